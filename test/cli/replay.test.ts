import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { type FakeOpenAI, serverError, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { count, eventually, type RunningServer, startServer, uniqueDatabase } from "../helpers/clickhouse.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { type RunningEngine, startEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

// The teacher answers the recorded traffic, the student the replays: one fake each, so every
// request the student receives is a replay and can be counted.
let teacher: FakeOpenAI;
let student: FakeOpenAI;
let engine: RunningEngine;
let home: string;
let env: Record<string, string>;

const PRICES = { "teacher/big": { input: 10, output: 30 }, "student/small": { input: 1, output: 2 } };
const WEATHER_TOOL = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } } } },
};

const replay = (args: string[], extra: Record<string, string> = {}) => runCli(["replay", ...args], { home, env: { ...env, ...extra } });
const originals = (kind: string) => readTraces(home).filter((t) => t.tags.kind === kind && !t.tags.replay_of);
const runTraces = (run: string) => readTraces(home).filter((t) => t.tags.run === run);
const sum = (xs: (number | null)[]) => xs.reduce<number>((s, x) => s + (x ?? 0), 0);

beforeAll(async () => {
  teacher = await startFakeOpenAI({ requireKey: false, models: ["big"] });
  student = await startFakeOpenAI({ requireKey: false, models: ["small"] });
  home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const config = {
    providers: {
      teacher: { protocol: "openai", base_url: teacher.url, key: "none" },
      student: { protocol: "openai", base_url: student.url, key: "none" },
    },
    aliases: { smart: { targets: ["teacher/big"] }, cheap: { targets: ["student/small"] } },
    prices: PRICES,
    routing: { retry: { max_attempts: 1 } },
  };
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  engine = await startEngine({ home });
  env = { OPENTRACY_PORT: new URL(engine.url).port };

  const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
  const ask = (kind: string, content: string, body: Record<string, unknown> = {}, tags = "") =>
    client.chat.completions.create({ model: "smart", messages: [{ role: "user", content }], ...body } as any, {
      headers: { "X-OpenTracy-Tags": `kind=${kind}${tags}` },
    });
  // The student echoes the last user message (the fake's default), so the teacher's scripted
  // answers decide which pairs agree: 2 of 4 texts exactly, the JSON one by value.
  teacher.script({ content: "Paris" });
  await ask("text", "Paris");
  teacher.script({ content: " 4\n" });
  await ask("text", "4", { temperature: 0 });
  teacher.script({ content: "green" });
  await ask("text", "blue");
  teacher.script({ content: '{"b":[1,2],"a":1}' });
  await ask("text", '{"a":1,"b":[1,2]}', { response_format: { type: "json_object" } });
  // Tool calls: the student will call get_weather for Paris both times.
  teacher.script({ toolCalls: [{ name: "get_weather", arguments: { city: "Paris", unit: "c" } }] });
  await ask("tools", "weather in Paris?", { tools: [WEATHER_TOOL] });
  teacher.script({ toolCalls: [{ name: "get_weather", arguments: { city: "Rome", unit: "c" } }] });
  await ask("tools", "weather in Rome?", { tools: [WEATHER_TOOL] });
  // Echoed by both sides.
  await ask("echo", "one", {}, ",lang=en");
  await ask("echo", "two");
  // Kept with its inputs but no chat request: never replayed.
  await client.embeddings.create({ model: "teacher/text-embedding-3-small", input: "hi" }, { headers: { "X-OpenTracy-Tags": "kind=emb" } });
  await eventually(() => readTraces(home).length === 9, 10_000, "the originals' traces");
});

afterAll(async () => {
  await engine?.stop();
  await teacher?.close();
  await student?.close();
});

describe("opentracy replay", () => {
  test("reports how often the answers agree, cost and tokens side by side, and tags every replay", async () => {
    const before = student.requests.length;
    const r = await replay(["--to", "student/small", "--alias", "smart", "--tag", "kind=text", "--since", "1h", "--run", "cmp", "--json"]);
    expect(r.stderr).toContain("replaying 4 trace(s) to student/small as run cmp");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.agreement).toEqual({
      answers: { agree: 3, of: 4 },
      text: { agree: 2, of: 4 },
      json: { agree: 1, of: 1 },
      tool_calls: { agree: 0, of: 0 },
    });
    expect(student.requests.length - before).toBe(4);

    // What was sent: the recorded messages and parameters, to the student, not streamed.
    const sent = student.requests.slice(before).map((q) => q.body as any);
    expect(sent.map((b) => b.model)).toEqual(["small", "small", "small", "small"]);
    expect(sent.find((b) => b.messages[0].content === "4")?.temperature).toBe(0);
    expect(sent.find((b) => b.messages[0].content.startsWith("{"))?.response_format).toEqual({ type: "json_object" });

    // Each replay is a trace of the run, tagged with the trace it replays.
    const orig = originals("text");
    const replays = await eventually(() => (runTraces("cmp").length === 4 ? runTraces("cmp") : false), 10_000, "the replays' traces");
    expect(new Set(replays.map((t) => t.tags.replay_of))).toEqual(new Set(orig.map((t) => t.id)));
    expect(replays.every((t) => t.requested_model === "student/small" && t.status === "ok")).toBe(true);

    // Cost and tokens are the traces' own numbers, on both sides.
    expect(report.original).toMatchObject({ model: "teacher/big", calls: 4, errors: 0, unpriced: 0 });
    expect(report.replay).toMatchObject({ model: "student/small", calls: 4, errors: 0, unpriced: 0 });
    expect(report.original.cost_usd).toBeCloseTo(sum(orig.map((t) => t.cost_usd)), 12);
    expect(report.replay.cost_usd).toBeCloseTo(sum(replays.map((t) => t.cost_usd)), 12);
    expect(report.original.input_tokens).toBe(sum(orig.map((t) => t.input_tokens)));
    expect(report.replay.output_tokens).toBe(sum(replays.map((t) => t.output_tokens)));
    expect(report.original.cost_per_1k_usd).toBeCloseTo((report.original.cost_usd / 4) * 1000, 12);
    // The student is 10× cheaper on input and 15× on output: switching saves most of the cost.
    expect(report.savings.per_1k_usd).toBeCloseTo(report.original.cost_per_1k_usd - report.replay.cost_per_1k_usd, 12);
    expect(report.savings.percent).toBeGreaterThan(85);
    expect(report.original.p50_ms).toBeGreaterThan(0);
    expect(report.replay.p95_ms).toBeGreaterThanOrEqual(report.replay.p50_ms);
    expect(report.links.traces).toBe(`${engine.url}/traces?tag=run%3Dcmp`);
  });

  test("tool calls agree when the same tools are called with the same arguments, whatever their order; --to takes an alias", async () => {
    student.script({ toolCalls: [{ name: "get_weather", arguments: '{"unit": "c", "city": "Paris"}' }], times: 2 });
    const before = student.requests.length;
    const r = await replay(["--to", "cheap", "--tag", "kind=tools", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.agreement.tool_calls).toEqual({ agree: 1, of: 2 });
    expect(report.agreement.answers).toEqual({ agree: 1, of: 2 });
    expect(report.run).toMatch(/^replay-[0-9a-f]{8}$/);
    const sent = student.requests.slice(before).map((q) => q.body as any);
    expect(sent.map((b) => [b.model, b.tools?.[0]?.function?.name])).toEqual([
      ["small", "get_weather"],
      ["small", "get_weather"],
    ]);
    expect(report.replay.model).toBe("cheap");
  });

  test("the terminal table shows both sides, the rates, the saving and where to see the run", async () => {
    const r = await replay(["--to", "student/small", "--tag", "kind=echo"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^model\s+teacher\/big\s+student\/small$/m);
    expect(r.stdout).toMatch(/^calls\s+2\s+2$/m);
    expect(r.stdout).toMatch(/^exact text\s+2\/2 {2}100%$/m);
    expect(r.stdout).toMatch(/^tool calls\s+—$/m);
    expect(r.stdout).toMatch(/switching would save \$[\d.]+ per 1,000 calls \(\d+%\)/);
    expect(r.stdout).toMatch(/traces of the run: http:\/\/127\.0\.0\.1:\d+\/traces\?tag=run%3Dreplay-[0-9a-f]{8}/);
    // Not a terminal: no progress bar in the output. An unnamed run says how to resume it.
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).toMatch(/if interrupted, the same command with --run replay-[0-9a-f]{8} resumes it/);
  });

  test("a named run resumes: what it already replayed is never sent again", async () => {
    const first = await replay(["--to", "student/small", "--tag", "kind=text", "--limit", "2", "--run", "nightly", "--json"]);
    expect(first.code).toBe(0);
    // The command asked the engine to write the run's traces before it ended: no waiting here.
    expect(runTraces("nightly")).toHaveLength(2);
    const before = student.requests.length;
    const second = await replay(["--to", "student/small", "--tag", "kind=text", "--run", "nightly", "--json"]);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report.selection).toMatchObject({ considered: 4, replayed: 2, already_replayed: 2 });
    expect(student.requests.length - before).toBe(2);
    const done = await eventually(() => (runTraces("nightly").length === 4 ? runTraces("nightly") : false), 10_000, "the run's traces");
    const replayed = done.map((t) => t.tags.replay_of);
    expect(new Set(replayed).size).toBe(4);
    expect(new Set(replayed)).toEqual(new Set(originals("text").map((t) => t.id)));

    // Once complete, running it again sends nothing.
    const third = await replay(["--to", "student/small", "--tag", "kind=text", "--run", "nightly"]);
    expect(third.code).toBe(0);
    expect(third.stderr).toContain("nothing to do: the 4 selected trace(s) were already replayed in run nightly");
    expect(student.requests.length - before).toBe(2);
  });

  test("--tag repeats, and every tag must match", async () => {
    const r = await replay(["--to", "student/small", "--tag", "kind=echo", "--tag", "lang=en", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const one = originals("echo").find((t) => t.tags.lang === "en")!;
    expect(report.pairs.map((p: any) => p.trace_id)).toEqual([one.id]);
    expect(report.selection).toMatchObject({ considered: 1, replayed: 1 });
    const none = await replay(["--to", "student/small", "--tag", "lang=en", "--tag", "kind=text"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("error: no successful traces match: widen --since or the filters\n");
  });

  test("a named run sent to another engine than the configured one warns that its resume reads this store", async () => {
    const elsewhere = await replay(["--to", "student/small", "--tag", "kind=echo", "--run", "far", "--url", engine.url], { OPENTRACY_PORT: "9" });
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stderr).toContain(
      `warning: run far resumes from the traces in ${join(home, "traces")}, but ${engine.url} is not the configured engine (http://127.0.0.1:9): if it writes its traces elsewhere, what the run already replayed is sent again`,
    );
    // The configured engine named by its address, or a run without a name: nothing to warn about.
    const same = await replay(["--to", "student/small", "--tag", "kind=echo", "--run", "near", "--url", engine.url.replace("127.0.0.1", "localhost")]);
    expect(same.code).toBe(0);
    expect(same.stderr).not.toContain("warning");
    const unnamed = await replay(["--to", "student/small", "--tag", "kind=echo", "--url", engine.url], { OPENTRACY_PORT: "9" });
    expect(unnamed.stderr).not.toContain("warning");
  });

  test("a sample is reproducible with its seed, and replays are never selected as originals", async () => {
    const pick = async () => {
      const r = await replay(["--to", "student/small", "--since", "1h", "--sample", "3", "--seed", "s1", "--json"]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).pairs.map((p: any) => p.trace_id);
    };
    const a = await pick();
    const b = await pick();
    expect(a).toHaveLength(3);
    expect(b).toEqual(a);
    const ids = new Set(
      readTraces(home)
        .filter((t) => !t.tags.replay_of)
        .map((t) => t.id),
    );
    expect(a.every((id: string) => ids.has(id))).toBe(true);
  });

  test("a failed call is counted, not fatal", async () => {
    student.script(serverError({ times: 1 }));
    const r = await replay(["--to", "student/small", "--tag", "kind=echo", "--concurrency", "1", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.replay).toMatchObject({ calls: 2, errors: 1 });
    expect(report.agreement.answers).toEqual({ agree: 1, of: 1 });
    expect(report.pairs.filter((p: any) => !p.ok)).toHaveLength(1);
    expect(report.pairs.find((p: any) => !p.ok).error).toContain("The server had an error");
    // The original side is measured on the pair the replay answered, as the replay side is.
    const answered = originals("echo").find((t) => t.id === report.pairs.find((p: any) => p.ok).trace_id)!;
    expect(report.original).toMatchObject({ calls: 2, errors: 0, input_tokens: answered.input_tokens, output_tokens: answered.output_tokens });
    expect(report.original.cost_usd).toBeCloseTo(answered.cost_usd!, 12);
    expect(report.savings.pairs).toBe(1);
  });

  test("a model the engine does not know stops the run at the first call, in one line", async () => {
    const before = student.requests.length;
    const r = await replay(["--to", "nowhere/model", "--tag", "kind=text", "--concurrency", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the engine refused the replay to nowhere\/model: .+\n$/m);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")),
    ).toHaveLength(1);
    expect(student.requests.length).toBe(before);
  });

  test("bad options and a missing engine are one-line errors", async () => {
    for (const [args, message] of [
      [["--to", "x", "--since", "yesterday"], "--since wants 7d, 24h, 30m or a date"],
      [["--to", "x", "--sample", "0"], "--sample must be at least 1"],
      [["--to", "x", "--run", "a,b"], "--run wants 1-64 letters"],
      [["--to", "x", "--tag", "nope"], "--tag wants key=value"],
      [["--to", "x", "--url", "ftp://x"], "--url wants the engine's http(s) address"],
      [["--to", "x", "--tag", "kind=none"], "no successful traces match"],
      [["--to", "x", "--tag", "kind=emb"], "1 trace(s) matched but none can be replayed: 1 without the request's parameters (embeddings,"],
    ] as const) {
      const r = await replay([...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const r = await replay(["--to", "student/small", "--tag", "kind=echo"], { OPENTRACY_URL: "http://127.0.0.1:9/" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no engine answers at http://127.0.0.1:9");
  });
});

describe("opentracy replay without content", () => {
  test("refuses, saying how many matched and why none can replay", async () => {
    const fake = await startFakeOpenAI();
    const engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, OPENTRACY_TRACE_CONTENT: "false" } });
    try {
      const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
      await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
      await client.embeddings.create({ model: "text-embedding-3-small", input: "hi" });
      await eventually(() => readTraces(engine.home).length === 2, 10_000, "the traces");
      const before = fake.requests.length;
      const r = await runCli(["replay", "--to", "gpt-4o-mini"], { home: engine.home, env: { OPENTRACY_PORT: new URL(engine.url).port } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("2 trace(s) matched but none can be replayed: 2 stored without prompt and answer (traced with OPENTRACY_TRACE_CONTENT=false");
      expect(fake.requests.length).toBe(before);
    } finally {
      await engine.stop();
      await fake.close();
    }
  });
});

describe("opentracy replay with ClickHouse as the store", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.dispose());

  test("selects from ClickHouse, and a named run resumes from the replays' rows there", async () => {
    const fake = await startFakeOpenAI();
    const url = `${server.url}/${uniqueDatabase("replay")}`;
    const database = new URL(url).pathname.slice(1);
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ traces: { flush_ms: 50 } }));
    const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, OPENTRACY_CLICKHOUSE_URL: url };
    const engine = await startEngine({ home, env });
    const client = await server.client();
    const rows = (where: string) => count(client, `SELECT count() FROM ${database}.traces WHERE ${where}`);
    try {
      const openai = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
      fake.script({ content: "not an echo" });
      for (const q of ["alpha", "beta", "gamma"]) await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: q }] });
      await eventually(async () => (await rows("1")) === 3, 15_000, "the originals in ClickHouse");
      const cli = (args: string[]) =>
        runCli(["replay", "--to", "gpt-4o-mini", "--run", "ch", ...args], { home, env: { ...env, OPENTRACY_PORT: new URL(engine.url).port } });

      const first = await cli(["--limit", "2", "--json"]);
      expect(first.code).toBe(0);
      const report = JSON.parse(first.stdout);
      expect(report.original).toMatchObject({ model: "openai/gpt-4o", calls: 2 });
      expect(report.replay).toMatchObject({ model: "gpt-4o-mini", calls: 2, errors: 0 });
      // The newest two are the echoed ones; the scripted answer was the oldest call.
      expect(report.agreement.answers).toEqual({ agree: 2, of: 2 });
      await eventually(async () => (await rows("tags['run'] = 'ch'")) === 2, 15_000, "the replays in ClickHouse");

      const before = fake.requests.length;
      const second = await cli(["--json"]);
      expect(second.code).toBe(0);
      const rest = JSON.parse(second.stdout);
      expect(rest.selection).toMatchObject({ considered: 3, replayed: 1, already_replayed: 2 });
      expect(rest.agreement.answers).toEqual({ agree: 0, of: 1 });
      expect(fake.requests.length - before).toBe(1);
    } finally {
      await engine.stop();
      await fake.close();
    }
  });
});

describe("opentracy replay against an engine with tokens", () => {
  test("sends OPENTRACY_TOKEN as the bearer and writes it nowhere; without it, stops at once saying what to set", async () => {
    const fake = await startFakeOpenAI();
    const home = tempHome();
    const made = await runCli(["tokens", "create", "--name", "replayer"], { home });
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    const engine = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      const openai = new OpenAI({ baseURL: engine.baseURL, apiKey: token, maxRetries: 0 });
      await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
      await eventually(() => readTraces(home).length === 1, 10_000, "the original's trace");
      const env = { OPENTRACY_PORT: new URL(engine.url).port };
      const before = fake.requests.length;

      const refused = await runCli(["replay", "--to", "gpt-4o-mini"], { home, env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("set OPENTRACY_TOKEN to an engine token (opentracy tokens create)");
      expect(fake.requests.length).toBe(before);

      // --url names the engine: no OPENTRACY_PORT needed.
      const r = await runCli(["replay", "--to", "gpt-4o-mini", "--url", engine.url, "--json"], { home, env: { OPENTRACY_TOKEN: token } });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).replay).toMatchObject({ calls: 1, errors: 0 });
      const replays = await eventually(() => readTraces(home).filter((t) => t.tags.replay_of), 10_000, "the replay's trace");
      expect(replays[0]!.token_name).toBe("replayer");
      const secret = token.split("_").at(-1)!;
      for (const text of [r.stdout, r.stderr, refused.stderr, JSON.stringify(readTraces(home))]) expect(text).not.toContain(secret);
    } finally {
      await engine.stop();
      await fake.close();
    }
  });
});
