import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempHome } from "../helpers/cli.ts";

const configOf = (home: string) => JSON.parse(readFileSync(join(home, "config.json"), "utf8"));

describe("opentracy alias", () => {
  test("add, list, replace, rm", async () => {
    const home = tempHome();
    const add = await runCli(["alias", "add", "smart", "openai/gpt-4o", "--fallback", "anthropic/claude-sonnet-4-6", "--fallback", "groq/llama-3.3-70b-versatile"], { home });
    expect(add.code).toBe(0);
    expect(configOf(home).aliases.smart).toEqual({ targets: ["openai/gpt-4o", "anthropic/claude-sonnet-4-6", "groq/llama-3.3-70b-versatile"] });
    await runCli(["alias", "add", "fast", "groq/llama-3.1-8b-instant"], { home });

    const list = await runCli(["alias", "list", "--json"], { home });
    expect(list.stdout.trim().split("\n").map((l) => JSON.parse(l))).toEqual([
      { name: "smart", targets: ["openai/gpt-4o", "anthropic/claude-sonnet-4-6", "groq/llama-3.3-70b-versatile"] },
      { name: "fast", targets: ["groq/llama-3.1-8b-instant"] },
    ]);
    const table = await runCli(["alias", "list"], { home });
    expect(table.stdout).toMatch(/smart\s+openai\/gpt-4o\s+\(fallback: anthropic\/claude-sonnet-4-6, groq\/llama-3.3-70b-versatile\)/);

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
    expect(noProvider.stderr).toContain("provider/model");
    const badProvider = await runCli(["alias", "add", "x", "openai/gpt-4o", "--fallback", "nope/m"], { home });
    expect(badProvider.code).not.toBe(0);
    expect(badProvider.stderr).toContain("'nope/m'");
    expect(badProvider.stderr).toContain("unknown provider");
    const badName = await runCli(["alias", "add", "a/b", "openai/gpt-4o"], { home });
    expect(badName.code).not.toBe(0);
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
