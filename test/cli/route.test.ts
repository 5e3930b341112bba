import { describe, expect, test } from "bun:test";
import { startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";
import { pricePerMillion } from "../../src/pricing/cost.ts";

describe("opentracy route explain", () => {
  test("the chain, the key each target would use (masked), health from the running engine, prices", async () => {
    const fake = await startFakeOpenAI();
    const engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      const home = engine.home;
      await runCli(["alias", "add", "smart", "openai/gpt-4o", "--fallback", "anthropic/claude-sonnet-4-6"], { home });
      const port = new URL(engine.url).port;
      const r = await runCli(["route", "explain", "smart", "--json"], { home, env: { OPENAI_API_KEY: fake.apiKey, OPENTRACY_PORT: port } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(fake.apiKey);
      const plan = JSON.parse(r.stdout);
      expect(plan).toMatchObject({ requested: "smart", alias: "smart", strategy: "fallback" });
      expect(plan.targets.map((t: any) => [t.target, t.key, t.key_source, t.health])).toEqual([
        ["openai/gpt-4o", `sk-…${fake.apiKey.slice(-4)}`, "env OPENAI_API_KEY", "ok"],
        ["anthropic/claude-sonnet-4-6", null, null, "ok"],
      ]);
      expect(plan.targets[1].problem).toContain("opentracy keys set anthropic");
      expect(plan.targets[0].price_per_million).toEqual(pricePerMillion("openai", "gpt-4o"));

      const text = await runCli(["route", "explain", "groq/llama-3.3-70b-versatile"], { home, env: { OPENTRACY_PORT: "1" } });
      expect(text.code).toBe(0);
      expect(text.stdout).toContain("direct");
      expect(text.stdout).toContain("unknown (no engine running)");
      const unknown = await runCli(["route", "explain", "nope"], { home });
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain("not known");
    } finally {
      await engine.stop();
      await fake.close();
    }
  });
});
