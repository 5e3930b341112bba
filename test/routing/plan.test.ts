import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { planRoute, UnknownModel } from "../../src/routing/plan.ts";

const config = (aliases: unknown, routing?: unknown) => Config.parse({ aliases, ...(routing ? { routing } : {}) });
const refs = (p: ReturnType<typeof planRoute>) => p.targets.map((t) => t.ref);

describe("planRoute", () => {
  test("provider/model keeps everything after the first slash", () => {
    const p = planRoute("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", config({}));
    expect(p.alias).toBeNull();
    expect(p.targets[0].provider.name).toBe("bedrock");
    expect(p.targets[0].model).toBe("anthropic.claude-3-5-sonnet-20240620-v1:0");
    expect(planRoute("openrouter/meta-llama/llama-3-70b", config({})).targets[0].model).toBe("meta-llama/llama-3-70b");
  });

  test("bare well-known names, unknown names", () => {
    expect(refs(planRoute("gpt-4.1", config({})))).toEqual(["openai/gpt-4.1"]);
    expect(refs(planRoute("claude-sonnet-4-6", config({})))).toEqual(["anthropic/claude-sonnet-4-6"]);
    expect(refs(planRoute("o3-mini", config({})))).toEqual(["openai/o3-mini"]);
    expect(() => planRoute("llama-foo", config({}))).toThrow(UnknownModel);
  });

  test("names every JavaScript object has are not aliases (found by the fuzz test: they were 500s)", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"]) {
      expect(() => planRoute(name, config({ smart: { targets: ["openai/gpt-4o"] } }))).toThrow(UnknownModel);
    }
    // Nor can one be made with such a name, which would break config.json's aliases object.
    expect(() => config({ toString: { targets: ["openai/gpt-4o"] } })).toThrow("reserved");
  });

  test("an alias's chain, with nested aliases expanded in place and duplicates dropped", () => {
    const c = config({
      base: { targets: ["openai/gpt-4o", "groq/llama"] },
      smart: { targets: ["anthropic/claude-sonnet-4-6", "base", "openai/gpt-4o"], params: { max_tokens: 50 }, retry: { max_attempts: 3 } },
    });
    const p = planRoute("smart", c);
    expect(p.alias).toBe("smart");
    expect(p.strategy).toBe("fallback");
    expect(refs(p)).toEqual(["anthropic/claude-sonnet-4-6", "openai/gpt-4o", "groq/llama"]);
    expect(p.params).toEqual({ max_tokens: 50 });
    expect(p.retry.max_attempts).toBe(3);
  });

  test("an alias wins over a well-known name of the same spelling", () => {
    expect(refs(planRoute("gpt-4o", config({ "gpt-4o": { targets: ["azure/my-4o"] } })))).toEqual(["azure/my-4o"]);
  });

  test("weighted: one draw goes first, the others follow in order", () => {
    const c = config({ w: { strategy: "weighted", targets: [{ model: "openai/a", weight: 1 }, { model: "openai/b", weight: 3 }, "openai/c"] } });
    // total weight 5: [0,1) → a, [1,4) → b, [4,5) → c
    expect(refs(planRoute("w", c, () => 0.1))).toEqual(["openai/a", "openai/b", "openai/c"]);
    expect(refs(planRoute("w", c, () => 0.5))).toEqual(["openai/b", "openai/a", "openai/c"]);
    expect(refs(planRoute("w", c, () => 0.9))).toEqual(["openai/c", "openai/a", "openai/b"]);
  });

  test("config validation refuses cycles and dangling alias references", () => {
    const cyc = Config.safeParse({ aliases: { a: { targets: ["b"] }, b: { targets: ["a"] } } });
    expect(cyc.success).toBe(false);
    expect(cyc.error!.issues.some((i) => i.message.includes("cycle"))).toBe(true);
    const dangling = Config.safeParse({ aliases: { a: { targets: ["nowhere"] } } });
    expect(dangling.error!.issues[0].path).toEqual(["aliases", "a", "targets", 0]);
  });
});
