import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigFileError, readJsonFile, writeJsonAtomic } from "../../src/config/files.ts";
import { paths } from "../../src/config/paths.ts";
import { openSealedSecrets } from "../../src/settings/provider-keys.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const dir = () => {
  const d = tempHome();
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
};

describe("readJsonFile", () => {
  test("a syntax error names the line and column", () => {
    const path = join(dir(), "config.json");
    writeFileSync(path, '{\n  "aliases": {\n    "smart": { "targets": ["openai/gpt-4o",] }\n  }\n}\n');
    expect(() => readJsonFile(path, z.unknown(), {})).toThrow(ConfigFileError);
    expect(() => readJsonFile(path, z.unknown(), {})).toThrow(/line 3, column \d+/);
  });

  test("a missing file is the fallback; a schema error names the field", () => {
    const d = dir();
    expect(readJsonFile(join(d, "nope.json"), z.object({ a: z.number().default(1) }), {})).toEqual({ a: 1 });
    writeFileSync(join(d, "x.json"), '{"a": {"b": "x"}}');
    expect(() => readJsonFile(join(d, "x.json"), z.object({ a: z.object({ b: z.number() }) }), {})).toThrow(/field a\.b/);
  });
});

describe("writeJsonAtomic", () => {
  test("replaces the file whole, with the mode from the start, leaving no temp file", () => {
    const d = dir();
    const path = join(d, "secrets.json");
    writeJsonAtomic(path, { a: "1" }, 0o600);
    writeJsonAtomic(path, { a: "2" }, 0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ a: "2" });
    expect(readdirSync(d)).toEqual(["secrets.json"]);
  });
});

describe("the engine refuses unsafe or broken files at start", () => {
  test("a secrets file readable by others: refused with the fix command", async () => {
    const home = dir();
    writeFileSync(join(home, "secrets.json"), '{"openai_api_key":"sk-aaaa"}', { mode: 0o644 });
    chmodSync(join(home, "secrets.json"), 0o644);
    const r = await runCli(["serve", "--port", "0"], { home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`chmod 600 ${join(home, "secrets.json")}`);
    expect(r.stderr).not.toContain("sk-aaaa");
  });

  test("a config.json with a syntax error: refused with line and column, and how to fix it", async () => {
    const home = dir();
    writeFileSync(join(home, "config.json"), '{"aliases": {}\n "prices": {}}');
    const r = await runCli(["serve", "--port", "0"], { home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/config\.json: line 2, column 2/);
    expect(r.stderr).toContain("fix or remove the file");
  });
});

describe("concurrent CLI writes", () => {
  test("keys set from many shells at once: every key survives", async () => {
    const home = dir();
    const providers = ["openai", "groq", "mistral", "deepseek", "perplexity", "cerebras", "sambanova", "together", "fireworks", "xai"];
    const results = await Promise.all(providers.map((p) => runCli(["keys", "set", p], { home, stdin: `key-for-${p}-1234` })));
    for (const r of results) expect(r.code).toBe(0);
    // One master key for all of them, though each shell found none when it started.
    const { secrets } = await openSealedSecrets(paths({ OPENTRACY_HOME: home }), {});
    expect(Object.keys(secrets).sort()).toEqual(providers.map((p) => `${p}_api_key`).sort());
    expect(readdirSync(home).filter((f) => f.includes(".lock") || f.endsWith(".tmp"))).toEqual([]);
  });
});
