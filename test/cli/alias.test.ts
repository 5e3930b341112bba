import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempHome } from "../helpers/cli.ts";

const configOf = (home: string) => JSON.parse(readFileSync(join(home, "config.json"), "utf8"));

describe("opentracy alias", () => {
  test("add, list, replace, rm", async () => {
    const home = tempHome();
    const add = await runCli(
      ["alias", "add", "smart", "openai/gpt-4o", "--fallback", "anthropic/claude-sonnet-4-6", "--fallback", "groq/llama-3.3-70b-versatile"],
      { home },
    );
    expect(add.code).toBe(0);
    expect(configOf(home).aliases.smart).toEqual({ targets: ["openai/gpt-4o", "anthropic/claude-sonnet-4-6", "groq/llama-3.3-70b-versatile"] });
    await runCli(["alias", "add", "fast", "groq/llama-3.1-8b-instant"], { home });

    const list = await runCli(["alias", "list", "--json"], { home });
    expect(
      list.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { name: "smart", strategy: "fallback", targets: ["openai/gpt-4o", "anthropic/claude-sonnet-4-6", "groq/llama-3.3-70b-versatile"], health: null },
      { name: "fast", strategy: "fallback", targets: ["groq/llama-3.1-8b-instant"], health: null },
    ]);
    const table = await runCli(["alias", "list"], { home });
    expect(table.stdout).toContain("smart  fallback: openai/gpt-4o → anthropic/claude-sonnet-4-6 → groq/llama-3.3-70b-versatile");

    const replace = await runCli(["alias", "add", "fast", "cerebras/llama-3.3-70b"], { home });
    expect(replace.stdout).toContain("updated");
    expect(configOf(home).aliases.fast.targets).toEqual(["cerebras/llama-3.3-70b"]);

    expect((await runCli(["alias", "rm", "smart"], { home })).code).toBe(0);
    expect(Object.keys(configOf(home).aliases)).toEqual(["fast"]);
    const missing = await runCli(["alias", "rm", "smart"], { home });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no alias named 'smart'");
  });

  test("invalid targets and names are refused, config untouched", async () => {
    const home = tempHome();
    await runCli(["alias", "add", "ok", "openai/gpt-4o"], { home });
    const before = readFileSync(join(home, "config.json"), "utf8");
    const noProvider = await runCli(["alias", "add", "x", "gpt-4o"], { home });
    expect(noProvider.code).not.toBe(0);
    expect(noProvider.stderr).toContain("'gpt-4o'");
    expect(noProvider.stderr).toContain("provider/model");
    const badProvider = await runCli(["alias", "add", "x", "openai/gpt-4o", "--fallback", "nope/m"], { home });
    expect(badProvider.code).not.toBe(0);
    expect(badProvider.stderr).toContain("'nope/m'");
    expect(badProvider.stderr).toContain("unknown provider");
    const badName = await runCli(["alias", "add", "a/b", "openai/gpt-4o"], { home });
    expect(badName.code).not.toBe(0);
    const badWeight = await runCli(["alias", "add", "w", "openai/gpt-4o", "--weight", "-1"], { home });
    expect(badWeight.code).not.toBe(0);
    expect(badWeight.stderr).toContain("weight");
    const badStrategy = await runCli(["alias", "add", "w", "openai/gpt-4o", "--strategy", "random"], { home });
    expect(badStrategy.code).not.toBe(0);
    expect(badStrategy.stderr).toContain("invalid strategy");
    expect(readFileSync(join(home, "config.json"), "utf8")).toBe(before);
  });

  test("aliases of aliases, weights and strategy; cycles and dangling references refused", async () => {
    const home = tempHome();
    expect((await runCli(["alias", "add", "base", "openai/gpt-4o"], { home })).code).toBe(0);
    const w = await runCli(
      ["alias", "add", "mix", "groq/llama-3.3-70b-versatile", "--fallback", "base", "--weight", "3", "--weight", "1", "--strategy", "weighted"],
      { home },
    );
    expect(w.code).toBe(0);
    expect(configOf(home).aliases.mix).toEqual({
      targets: [
        { model: "groq/llama-3.3-70b-versatile", weight: 3 },
        { model: "base", weight: 1 },
      ],
      strategy: "weighted",
    });
    const before = readFileSync(join(home, "config.json"), "utf8");
    const cycle = await runCli(["alias", "add", "base", "mix"], { home });
    expect(cycle.code).not.toBe(0);
    expect(cycle.stderr).toContain("cycle");
    const dangling = await runCli(["alias", "add", "x", "nothere"], { home });
    expect(dangling.code).not.toBe(0);
    expect(dangling.stderr).toContain("no alias named 'nothere'");
    const inUse = await runCli(["alias", "rm", "base"], { home });
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toContain("used by another alias");
    expect(readFileSync(join(home, "config.json"), "utf8")).toBe(before);
  });

  test("a bad config.json is refused with the bad field named, never overwritten", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const bad = JSON.stringify({ aliases: { smart: { targets: ["openai/gpt-4o", 7] } } });
    writeFileSync(join(home, "config.json"), bad);
    const r = await runCli(["alias", "add", "other", "openai/gpt-4o"], { home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("aliases.smart.targets.1");
    expect(readFileSync(join(home, "config.json"), "utf8")).toBe(bad);
    const serve = await runCli(["serve", "--port", "0"], { home });
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toContain("aliases.smart.targets.1");
  });
});
