import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { customProviders, providerIn, providersOf } from "../../src/config/custom-providers.ts";
import { resolveKey } from "../../src/providers/credentials.ts";
import { PROVIDERS } from "../../src/providers/registry.ts";
import { mergeSecrets } from "../../src/settings/provider-keys.ts";
import { planRoute, UnknownModel } from "../../src/routing/plan.ts";

const parse = (raw: unknown) => Config.parse(raw);
const firstIssue = (raw: unknown) => {
  const r = Config.safeParse(raw);
  if (r.success) throw new Error("expected a refusal");
  return { path: r.error.issues[0]!.path.join("."), message: r.error.issues[0]!.message };
};

const student = { protocol: "openai", base_url: "http://localhost:8000/v1", key: "none" };

describe("providers.<name> in config.json", () => {
  test("a new provider needs a protocol the engine speaks and a base_url; the issue names the field", () => {
    expect(firstIssue({ providers: { student: { base_url: "http://h/v1" } } }).path).toBe("providers.student.protocol");
    expect(firstIssue({ providers: { student: { protocol: "openai" } } }).path).toBe("providers.student.base_url");
    expect(firstIssue({ providers: { student: { protocol: "gemini", base_url: "http://h/v1" } } })).toEqual({
      path: "providers.student.protocol",
      message: "must be openai or anthropic (openai: any OpenAI-compatible server)",
    });
    expect(firstIssue({ providers: { student: { ...student, key: "yes" } } }).path).toBe("providers.student.key");
    expect(firstIssue({ providers: { student: { ...student, key_env: "X" } } }).message).toContain("contradict");
    expect(firstIssue({ providers: { Student: { protocol: "openai", base_url: "http://h/v1" } } }).path).toBe("providers.Student");
    expect(Config.safeParse({ providers: { constructor: { protocol: "openai", base_url: "http://h/v1" } } }).success).toBe(false);
  });

  test("a built-in name is an override: base_url and headers only", () => {
    expect(parse({ providers: { groq: { base_url: "http://h/v1", headers: { a: "b" } } } }).providers.groq).toEqual({
      base_url: "http://h/v1",
      headers: { a: "b" },
    });
    const issue = firstIssue({ providers: { groq: { protocol: "openai", base_url: "http://h/v1" } } });
    expect(issue.path).toBe("providers.groq.protocol");
    expect(issue.message).toContain("groq is a built-in provider");
  });

  test("aliases and prices may name a provider defined in the same file, and only a defined one", () => {
    const c = parse({
      providers: { student },
      aliases: { smart: { targets: ["student/m", "openai/gpt-4o"] } },
      prices: { "student/m": { input: 1, output: 2 } },
    });
    expect(c.aliases.smart.targets).toEqual(["student/m", "openai/gpt-4o"]);
    expect(firstIssue({ aliases: { smart: { targets: ["openai/gpt-4o", { model: "student/m", weight: 2 }] } } })).toMatchObject({
      path: "aliases.smart.targets.1",
      message: expect.stringContaining("unknown provider 'student'"),
    });
    expect(firstIssue({ prices: { "student/m": { input: 1, output: 2 } } }).path).toBe("prices.student/m");
  });
});

describe("providersOf", () => {
  test("built once per config: the same table for the same config, a new one after a reload", () => {
    const a = parse({ providers: { student } });
    const table = providersOf(a);
    expect(providersOf(a)).toBe(table);
    // configInForce lays aliases over a config: same providers, same table.
    const laid: Config = { ...a, aliases: {} };
    expect(providersOf(laid)).toBe(table);
    const reloaded = parse({ providers: { student } });
    expect(providersOf(reloaded)).not.toBe(table);
    // Without custom providers it is the registry itself.
    expect(providersOf(parse({ providers: { groq: { base_url: "http://h/v1" } } }))).toBe(PROVIDERS);
  });

  test("a custom provider as the registry would define it", () => {
    const c = parse({
      providers: {
        student,
        "my-vllm": { protocol: "openai", base_url: "http://h:8000/v1" },
        corp: { protocol: "anthropic", base_url: "https://proxy.example", key_env: "CORP_KEY" },
      },
    });
    expect(customProviders(c).map((d) => d.name)).toEqual(["student", "my-vllm", "corp"]);
    expect(providerIn(c, "student")).toMatchObject({
      protocol: "openai",
      baseUrl: "http://localhost:8000/v1",
      keyEnv: null,
      keyless: true,
      priceProvider: null,
    });
    expect(providerIn(c, "my-vllm")).toMatchObject({ keyEnv: "MY_VLLM_API_KEY", secretName: "my_vllm_api_key", baseUrlEnv: "MY_VLLM_BASE_URL" });
    expect(providerIn(c, "corp")).toMatchObject({ protocol: "anthropic", keyEnv: "CORP_KEY", secretName: "corp_api_key" });
    expect(providerIn(c, "groq")).toBe(PROVIDERS.get("groq")!);
  });

  test("a keyless provider resolves no key, even one stored; others take the env first, then the stored one", () => {
    const c = parse({ providers: { student, vault: { protocol: "openai", base_url: "http://h/v1" } } });
    expect(resolveKey(providerIn(c, "student")!, { student_api_key: "sk-stale" }, {})).toBeNull();
    const vault = providerIn(c, "vault")!;
    expect(resolveKey(vault, { vault_api_key: "sk-stored" }, {})).toEqual({ value: "sk-stored", source: "file" });
    expect(resolveKey(vault, { vault_api_key: "sk-stored" }, { VAULT_API_KEY: "sk-env" })).toEqual({ value: "sk-env", source: "env" });
  });

  test("a sealed key of a custom provider survives the merge with secrets.json", () => {
    const { secrets, sealed } = mergeSecrets({ vault_api_key: "sk-plain", openai_api_key: "sk-o" }, ["sealed", { vault_api_key: "sk-sealed" }]);
    expect(secrets).toEqual({ vault_api_key: "sk-sealed", openai_api_key: "sk-o" });
    expect(sealed.get("vault_api_key")).toBe("sealed");
  });

  test("routing: provider/model and aliases resolve to custom providers; unknown names list them", () => {
    const c = parse({ providers: { student }, aliases: { smart: { targets: ["student/distilled", "openai/gpt-4o"] } } });
    expect(planRoute("student/my-model", c).targets.map((t) => [t.provider.name, t.model, t.ref])).toEqual([["student", "my-model", "student/my-model"]]);
    expect(planRoute("smart", c).targets.map((t) => t.ref)).toEqual(["student/distilled", "openai/gpt-4o"]);
    expect(() => planRoute("other/x", c)).toThrow(UnknownModel);
    expect(() => planRoute("other/x", c)).toThrow(/student/);
    // Another config without it does not know it.
    expect(() => planRoute("student/my-model", parse({}))).toThrow(UnknownModel);
  });
});
