import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

const refused = async (args: string[], env: Record<string, string> = {}) => {
  const r = await runCli(["serve", "--port", "0", ...args], { home: tempHome(), env });
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  return r.stderr;
};

describe("serve --record / --replay", () => {
  test("--help names the cassette options", async () => {
    const r = await runCli(["serve", "--help"], { home: tempHome() });
    for (const flag of ["--record <dir>", "--replay <dir>", "--replay-timing <timing>"]) expect(r.stdout).toContain(flag);
  });

  test("both at once, a timing without --replay, an unknown timing, a missing or broken folder are refused in one line", async () => {
    expect(await refused(["--record", "a", "--replay", "b"])).toContain("--record and --replay cannot be used together");
    // A flag wins over the environment, whichever mode each names.
    expect(await refused(["--replay", "/nonexistent-cassette"], { OPENTRACY_RECORD: "a" })).toContain("cassette folder not found: /nonexistent-cassette");
    expect(await refused(["--replay-timing", "real"])).toContain("--replay-timing applies only with --replay DIR");
    expect(await refused(["--record", "/nonexistent-cassette", "--workers", "2"])).toContain("--record takes one worker (not 2)");
    expect(await refused(["--replay", "b", "--replay-timing", "fast"])).toContain("invalid --replay-timing 'fast': use real or none");
    const missing = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-cli-")), "nothing");
    expect(await refused(["--replay", missing])).toContain(`cassette folder not found: ${missing} (the engine did not start)`);
    mkdirSync(missing);
    writeFileSync(join(missing, "x.json"), "[]");
    expect(await refused([], { OPENTRACY_REPLAY: missing })).toContain(`cassette ${join(missing, "x.json")} is not a recording`);
  });

  test("OPENTRACY_RECORD turns recording on, the start-up summary says so, and a SIGTERM right after an answer still writes it", async () => {
    const fake = await startFakeOpenAI();
    const dir = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-cli-")), "rec");
    const engine = await startEngine({ env: { OPENTRACY_RECORD: dir, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      expect(engine.stderr()).toContain(`recording every upstream answer to the cassette ${dir}`);
      const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
      await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "recorded before exit" }] });
    } finally {
      expect(await engine.stop()).toBe(0);
      await fake.close();
    }
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(dir, files[0]!), "utf8")).toContain("recorded before exit");
  });
});
