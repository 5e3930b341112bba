import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempHome } from "../helpers/cli.ts";

const configOf = (home: string) => JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
const auditOf = (home: string) =>
  readFileSync(join(home, "audit.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
const lines = (s: string) =>
  s
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("opentracy provider", () => {
  test("add, list, replace, then the provider works in aliases, keys and route explain; rm", async () => {
    const home = tempHome();
    const add = await runCli(["provider", "add", "student", "--base-url", "http://localhost:8000/v1", "--no-key", "--header", "X-Team=ml=research"], { home });
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("added provider student");
    expect(configOf(home).providers.student).toEqual({
      protocol: "openai",
      base_url: "http://localhost:8000/v1",
      key: "none",
      headers: { "X-Team": "ml=research" },
    });

    const lm = await runCli(["provider", "add", "lm-studio", "--base-url", "http://localhost:1234/v1", "--key-env", "LMSTUDIO_TOKEN"], { home });
    expect(lm.code).toBe(0);
    const list = await runCli(["provider", "list", "--json"], { home });
    expect(lines(list.stdout)).toEqual([
      { name: "student", protocol: "openai", base_url: "http://localhost:8000/v1", key_env: null, takes_key: false, headers: ["X-Team"] },
      { name: "lm-studio", protocol: "openai", base_url: "http://localhost:1234/v1", key_env: "LMSTUDIO_TOKEN", takes_key: true, headers: [] },
    ]);
    // doctor checks it like a built-in: the keyless one is ready, the other names its variable.
    const doctor = JSON.parse((await runCli(["doctor", "--json"], { home })).stdout);
    const messages = doctor.checks.map((c: any) => c.message);
    expect(messages).toContain("student: takes no key, at http://localhost:8000/v1");
    expect(messages.find((m: string) => m.startsWith("no key (unused)"))).toContain("lm-studio");
    const table = await runCli(["provider", "list"], { home });
    expect(table.stdout).toContain("student    openai     http://localhost:8000/v1  no key");
    expect(table.stdout).toContain("built in: openai,");

    const replace = await runCli(["provider", "add", "student", "--protocol", "anthropic", "--base-url", "http://localhost:9000"], { home });
    expect(replace.stdout).toContain("updated provider student");
    expect(configOf(home).providers.student).toEqual({ protocol: "anthropic", base_url: "http://localhost:9000" });

    // Usable wherever a built-in is: an alias, a stored key, route explain.
    expect((await runCli(["alias", "add", "smart", "student/distilled-7b", "--fallback", "lm-studio/qwen"], { home })).code).toBe(0);
    const key = await runCli(["keys", "set", "student"], { home, stdin: "sk-student-key-1234\n" });
    expect(key.code).toBe(0);
    const keys = lines((await runCli(["keys", "list", "--json"], { home })).stdout);
    expect(keys).toContainEqual({ provider: "student", key: "sk-…1234", source: "sealed" });
    expect(keys).toContainEqual({ provider: "lm-studio", key: null, source: null });
    const explain = JSON.parse((await runCli(["route", "explain", "smart", "--json"], { home })).stdout);
    expect(explain.targets.map((t: any) => [t.target, t.key_source ?? null])).toEqual([
      ["student/distilled-7b", "sealed"],
      ["lm-studio/qwen", null],
    ]);
    expect(explain.targets[1].problem).toContain("LMSTUDIO_TOKEN");

    expect((await runCli(["alias", "rm", "smart"], { home })).code).toBe(0);
    const rm = await runCli(["provider", "rm", "student"], { home });
    expect(rm.code).toBe(0);
    expect(Object.keys(configOf(home).providers)).toEqual(["lm-studio"]);
    expect(auditOf(home).map((e) => [e.action, e.target])).toEqual([
      ["provider.add", "student"],
      ["provider.add", "lm-studio"],
      ["provider.update", "student"],
      ["alias.set", "smart"],
      ["key.set", "student"],
      ["alias.remove", "smart"],
      ["provider.remove", "student"],
    ]);
    // A header's value may be a credential: the audit names it, never its value.
    expect(JSON.stringify(auditOf(home))).not.toContain("ml=research");
  });

  test("bad definitions are refused naming the field, and nothing is written", async () => {
    const home = tempHome();
    expect((await runCli(["provider", "add", "ok", "--base-url", "http://localhost:8000/v1", "--no-key"], { home })).code).toBe(0);
    const before = readFileSync(join(home, "config.json"), "utf8");
    const refusals: [string[], string][] = [
      [["provider", "add", "openai", "--base-url", "http://localhost:8000/v1"], "openai is a built-in provider"],
      [["provider", "add", "x", "--protocol", "gemini", "--base-url", "http://localhost:8000/v1"], "(protocol): must be openai or anthropic"],
      [["provider", "add", "x", "--base-url", "localhost:8000"], "(base_url)"],
      [["provider", "add", "Bad_Name", "--base-url", "http://localhost:8000/v1"], "lower-case letters"],
      [["provider", "add", "x", "--base-url", "http://localhost:8000/v1", "--key-env", "1-bad"], "(key_env)"],
      [["provider", "add", "x", "--base-url", "http://localhost:8000/v1", "--key-env", "K", "--no-key"], "contradict"],
      [["provider", "add", "x", "--base-url", "http://localhost:8000/v1", "--header", "novalue"], "invalid --header"],
      [["provider", "add", "x"], "--base-url"],
      [["provider", "rm", "openai"], "built-in provider"],
      [["provider", "rm", "nope"], "no provider named 'nope'"],
      [["keys", "set", "ok", "sk-1"], "takes no API key"],
    ];
    for (const [args, message] of refusals) {
      const r = await runCli(args, { home });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain("    at ");
      expect(readFileSync(join(home, "config.json"), "utf8")).toBe(before);
    }
    expect(auditOf(home).map((e) => e.action)).toEqual(["provider.add"]);
    // A refused first definition leaves no config.json at all.
    const fresh = tempHome();
    expect((await runCli(["provider", "add", "x", "--protocol", "grpc", "--base-url", "http://h/v1"], { home: fresh })).code).toBe(1);
    expect(existsSync(join(fresh, "config.json"))).toBe(false);
  });

  test("rm is refused while an alias or a price names the provider", async () => {
    const home = tempHome();
    await runCli(["provider", "add", "student", "--base-url", "http://localhost:8000/v1", "--no-key"], { home });
    await runCli(["alias", "add", "smart", "openai/gpt-4o", "--fallback", "student/my-model"], { home });
    const inUse = await runCli(["provider", "rm", "student"], { home });
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain("student is used by alias smart");
    expect(configOf(home).providers.student).toBeDefined();

    await runCli(["alias", "rm", "smart"], { home });
    const c = configOf(home);
    c.prices = { "student/my-model": { input: 0.1, output: 0.2 } };
    writeFileSync(join(home, "config.json"), JSON.stringify(c), { mode: 0o600 });
    const priced = await runCli(["provider", "rm", "student"], { home });
    expect(priced.code).toBe(1);
    expect(priced.stderr).toContain("prices.student/my-model");
    expect(configOf(home).providers.student).toBeDefined();
  });

  test("a hand-written bad definition is refused by every command, naming the field", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const cases: [unknown, string][] = [
      [{ providers: { student: { base_url: "http://localhost:8000/v1" } } }, "providers.student.protocol"],
      [{ providers: { student: { protocol: "openai" } } }, "providers.student.base_url"],
      [{ providers: { groq: { protocol: "openai", base_url: "http://localhost:8000/v1" } } }, "providers.groq.protocol"],
      [{ aliases: { smart: { targets: ["student/m"] } } }, "unknown provider 'student'"],
    ];
    for (const [config, field] of cases) {
      writeFileSync(join(home, "config.json"), JSON.stringify(config), { mode: 0o600 });
      const r = await runCli(["provider", "list"], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(field);
    }
  });
});
