import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { clockTime } from "../../src/cli/clock.ts";
import { healthWords } from "../../src/routing/health.ts";
import { serverError, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

describe("health in words", () => {
  test("each state as people read it", () => {
    const until = "2025-03-01T12:34:56.000Z";
    expect(healthWords(undefined)).toBe("ok");
    expect(healthWords({ state: "ok", consecutive_failures: 1, cooling_until: null, last_error: "500" })).toBe("ok");
    expect(healthWords({ state: "cooling_down", consecutive_failures: 3, cooling_until: until, last_error: "500" })).toBe(
      `cooling down (until ${clockTime(until)}, after 3 failures)`,
    );
    expect(healthWords({ state: "trying_again", consecutive_failures: 3, cooling_until: until, last_error: "500" })).toBe("trying again");
  });

  test("alias list and route explain say a target is cooling down, until when and why, from a real engine", async () => {
    const fake = await startFakeOpenAI();
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // A long period: the target is still cooling down whatever the machine's load when the CLI runs.
    const config = {
      aliases: { smart: { targets: ["openai/gpt-4o", "openai/gpt-4o-mini"] } },
      routing: { retry: { max_attempts: 1, backoff_base_ms: 1, backoff_max_ms: 5 }, cooldown: { failures: 2, period_ms: 600_000 } },
    };
    writeFileSync(join(home, "config.json"), JSON.stringify(config));
    const engine = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
      // Twice: the primary fails once, the fallback answers (one upstream plays both targets).
      for (let i = 0; i < 2; i++) {
        fake.script(serverError({ times: 1 }));
        const res = (await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }] })) as any;
        expect(res._routing.selected_model).toBe("openai/gpt-4o-mini");
      }
      const health: any = await (await fetch(`${engine.url}/health`)).json();
      const target = health.routing.targets["openai/gpt-4o"];
      expect(target).toMatchObject({ state: "cooling_down", consecutive_failures: 2 });
      const words = `cooling down (until ${clockTime(target.cooling_until)}, after 2 failures)`;
      const env = { OPENAI_API_KEY: fake.apiKey, OPENTRACY_PORT: new URL(engine.url).port };

      const list = await runCli(["alias", "list"], { home, env });
      expect(list.stdout).toContain(`smart  fallback: openai/gpt-4o [${words}] → openai/gpt-4o-mini [ok]`);
      expect(list.stdout).not.toMatch(/\b(open|closed|half-open|healthy)\b/);
      const listJson = JSON.parse((await runCli(["alias", "list", "--json"], { home, env })).stdout);
      expect(listJson.health).toEqual(["cooling_down", "ok"]);

      const explain = await runCli(["route", "explain", "smart"], { home, env });
      expect(explain.code).toBe(0);
      expect(explain.stdout).toMatch(new RegExp(`1\\. openai/gpt-4o .*health: ${words.replace(/[()]/g, "\\$&")}`));
      expect(explain.stdout).toMatch(/2\. openai\/gpt-4o-mini .*health: ok /);
      const plan = JSON.parse((await runCli(["route", "explain", "smart", "--json"], { home, env })).stdout);
      expect(plan.targets.map((t: any) => [t.health, t.cooling_until])).toEqual([
        ["cooling_down", target.cooling_until],
        ["ok", null],
      ]);
    } finally {
      await engine.stop();
      await fake.close();
    }
  });
});
