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

  test("OPENTRACY_RECORD turns recording on, the start-up summary says so (and warns that traces' content setting does not apply), and a SIGTERM right after an answer still writes it; --workers replays it", async () => {
    const fake = await startFakeOpenAI();
    const dir = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-cli-")), "rec");
    const question = { model: "openai/gpt-4o-mini", messages: [{ role: "user" as const, content: "recorded before exit" }] };
    let answer: string | null = null;
    const engine = await startEngine({
      env: { OPENTRACY_RECORD: dir, OPENTRACY_TRACE_CONTENT: "false", OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey },
    });
    try {
      expect(engine.stderr()).toContain(`recording every upstream answer to the cassette ${dir}`);
      expect(engine.stderr()).toContain("warning: traces keep no content, but the cassette holds every prompt and answer whole, unredacted: keep it private");
      const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
      answer = (await client.chat.completions.create(question)).choices[0]!.message.content;
    } finally {
      expect(await engine.stop()).toBe(0);
      await fake.close();
    }
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(dir, files[0]!), "utf8")).toContain("recorded before exit");

    // The primary, which serves nothing, only counts the files; each worker loads them.
    const replay = await startEngine({ args: ["--workers", "2"], env: { OPENTRACY_REPLAY: dir, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: undefined } });
    try {
      const summary = `replaying upstream answers from the cassette ${dir} (1 recorded requests, timing none)`;
      expect(replay.stderr().split(summary)).toHaveLength(2);
      const client = new OpenAI({ baseURL: replay.baseURL, apiKey: "anything", maxRetries: 0 });
      for (let i = 0; i < 4; i++) expect((await client.chat.completions.create(question)).choices[0]!.message.content).toBe(answer);
    } finally {
      expect(await replay.stop()).toBe(0);
    }
  });

  test("--workers with a replay folder that does not exist is refused by the primary in one line", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-cli-")), "nothing");
    expect(await refused(["--workers", "2", "--replay", missing])).toContain(`cassette folder not found: ${missing} (the engine did not start)`);
  });
});
