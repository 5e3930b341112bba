import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureHome, paths } from "../../../src/config/paths.ts";
import { createEngine } from "../../../src/server/engine.ts";
import { startServer as startHttp } from "../../../src/server/http.ts";
import { ClickHouseTraceSource } from "../../../src/traces/clickhouse/source.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { chdb, eventually, startServer, uniqueDatabase, type RunningServer } from "../../helpers/clickhouse.ts";
import { runCli, tempHome } from "../../helpers/cli.ts";
import { TOOLS, trafficMix } from "../../helpers/traffic.ts";
import { startEngine } from "../../helpers/engine.ts";

/**
 * Traces of real requests through the real engine into ClickHouse: the engine as a subprocess
 * against ClickHouse as a server (scripts/chdb-server.ts), and the same engine code in this
 * process against embedded chDB (an embedded engine cannot be shared with a child process).
 */

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

/** The same mix as the local-store tests. */
const traffic = (baseURL: string) => trafficMix(baseURL, fake);

/** What the local-store test checks, against the records read back from ClickHouse. */
function expectTraffic(traces: TraceRecord[], t: Awaited<ReturnType<typeof traffic>>, redacted = false) {
  expect(traces).toHaveLength(4);
  const [a, s, tools, bad] = traces;
  expect(a.id).toBe(t.plain.response.headers.get("x-opentracy-trace-id")!);
  expect(a).toMatchObject({
    requested_model: "openai/gpt-4o",
    selected_model: "openai/gpt-4o",
    provider: "openai",
    alias: null,
    status: "ok",
    http_status: 200,
    stream: false,
    finish_reason: "stop",
    input_tokens: t.plain.data.usage!.prompt_tokens,
    output_tokens: t.plain.data.usage!.completion_tokens,
    tool_calls: 0,
    error_type: null,
  });
  expect(a.cost_usd).toBeCloseTo((t.plain.data as any)._cost, 12);
  const answer = t.plain.data.choices[0].message.content!;
  expect((a.response as any)[0].content).toBe(redacted ? answer.replace("jane.doe@example.com", "[EMAIL]").replace("+1 415 555 0100", "[PHONE]") : answer);
  expect(a.attempts).toHaveLength(1);
  expect(Date.parse(a.ts_end)).toBeGreaterThanOrEqual(Date.parse(a.ts_start));
  expect(s).toMatchObject({ stream: true, status: "ok", finish_reason: "stop", output_tokens: t.last.usage.completion_tokens });
  expect(s.cost_usd).toBeCloseTo(t.last._cost, 12);
  expect(s.ttft_ms).not.toBeNull();
  expect(s.ts_first_byte).not.toBeNull();
  expect((s.response as any)[0].content).toBe(t.streamed);
  expect(tools.tool_calls).toBe(2);
  expect(tools.request_params).toEqual({ tools: TOOLS, temperature: 0.2 });
  expect((tools.response as any)[0].tool_calls.map((c: any) => c.function.name)).toEqual(["a", "b"]);
  expect(bad).toMatchObject({ status: "error", http_status: 404, error_type: "invalid_request_error", requested_model: "nope-model", provider: null });
}

describe("engine → chDB (in process)", () => {
  test("stream and non-stream traces land with every field; /health reports the sink", async () => {
    const client = await chdb();
    const database = uniqueDatabase("engine");
    const home = tempHome();
    const p = paths({ OPENTRACY_HOME: home });
    ensureHome(p);
    const env = { OPENTRACY_HOME: home, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, OPENTRACY_TRACE_REDACT: "true" };
    const engine = await createEngine(p, env, () => {}, { clickhouseClient: { client, database } });
    const http = startHttp(engine, "127.0.0.1", 0);
    engine.writer.start();
    try {
      const t = await traffic(`http://127.0.0.1:${http.port}/v1`);
      const health: any = await (await fetch(`http://127.0.0.1:${http.port}/health`)).json();
      expect(health.traces).toMatchObject({ sink: "clickhouse", url: "embedded ClickHouse" });
      await engine.writer.close();
      const { records } = await new ClickHouseTraceSource(client, database).last(10);
      expectTraffic(records, t, true);
      // Redaction is applied before the row is built.
      expect(JSON.stringify(records[0].request)).not.toContain("jane.doe@example.com");
      expect((records[0].request as any)[0].content).toContain("[EMAIL]");
    } finally {
      await http.stop(true);
    }
  });
});

describe("engine (subprocess) → ClickHouse server over HTTP", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.dispose());

  const engineEnv = () => ({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey });

  test("--clickhouse: every field stored, password never shown, `traces tail --json` reads ClickHouse", async () => {
    const url = `${server.url}/${uniqueDatabase("engine")}`;
    const engine = await startEngine({ env: engineEnv(), args: ["--clickhouse", url] });
    await engine.waitForLog(/→ ok/, 15_000);
    const t = await traffic(engine.baseURL);
    const health: any = await (await fetch(`${engine.url}/health`)).json();
    expect(health.traces).toMatchObject({ sink: "clickhouse", state: "ok", server_version: server.version });
    expect(health.traces.url).toContain("default:***@127.0.0.1");
    expect(JSON.stringify(health)).not.toContain(server.password);
    expect(await engine.stop()).toBe(0);
    expect(engine.stderr()).not.toContain(server.password);
    expect(engine.stderr()).not.toContain(encodeURIComponent(server.password));

    const tail = await runCli(["traces", "tail", "--json", "-n", "10"], { home: engine.home, env: { OPENTRACY_CLICKHOUSE_URL: url } });
    expect(tail.stderr).toBe("");
    expect(tail.code).toBe(0);
    const records = tail.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expectTraffic(records, t);
    const two = await runCli(["traces", "tail", "--json", "-n", "2", "--status", "error"], { home: engine.home, env: { OPENTRACY_CLICKHOUSE_URL: url } });
    expect(
      two.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual([records[3].id]);
  });

  test("/api/ reads ClickHouse: metadata stored in its columns, found by filter, detail and activity", async () => {
    const url = `${server.url}/${uniqueDatabase("api")}`;
    const engine = await startEngine({ env: engineEnv(), args: ["--clickhouse", url] });
    const res = await fetch(`${engine.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-opentracy-user": "alice", "x-opentracy-session-id": "s9", "x-opentracy-tags": "env=prod" },
      body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "where is the lighthouse" }], metadata: { team: "ml" } }),
    });
    const id = res.headers.get("x-opentracy-trace-id")!;
    const answer: any = await res.json();
    const get = async (path: string) => (await (await fetch(`${engine.url}${path}`)).json()) as any;
    const list = await eventually(
      async () => {
        const r = await get("/api/traces?user=alice&session=s9&tag=env=prod&q=LIGHTHOUSE");
        return r.data?.length === 1 ? r : undefined;
      },
      15_000,
      "the trace in ClickHouse",
    );
    expect(list.data[0]).toMatchObject({ id, user: "alice", session_id: "s9", tags: { env: "prod", team: "ml" }, status: "ok" });
    expect((await get(`/api/traces/${id}`)).request).toEqual([{ role: "user", content: "where is the lighthouse" }]);
    expect((await get("/api/traces?user=bob")).data).toEqual([]);
    const activity = await get("/api/activity?by=tag");
    expect(activity.totals.requests).toBe(1);
    expect(activity.totals.cost_usd).toBeCloseTo(answer._cost, 12);
    expect(activity.breakdown.map((b: any) => b.key).sort()).toEqual(["env=prod", "team=ml"]);
    expect(await engine.stop()).toBe(0);
  });

  test("OPENTRACY_CLICKHOUSE_URL with content off: no text stored, numbers kept", async () => {
    const url = `${server.url}/${uniqueDatabase("engine")}`;
    const engine = await startEngine({ env: { ...engineEnv(), OPENTRACY_CLICKHOUSE_URL: url, OPENTRACY_TRACE_CONTENT: "false" } });
    await traffic(engine.baseURL);
    expect(await engine.stop()).toBe(0);
    const client = await server.client();
    const rows = (await (
      await client.query({ query: `SELECT request, response, error_message, input_tokens FROM ${url.split("/").pop()}.traces`, format: "JSONEachRow" })
    ).json()) as any[];
    await client.close();
    expect(rows).toHaveLength(4);
    for (const r of rows) expect([r.request, r.response]).toEqual([null, null]);
    expect(JSON.stringify(rows)).not.toContain("jane.doe");
    expect(rows.some((r) => r.input_tokens > 0)).toBe(true);
  });

  test("a bad URL stops the engine with a one-line error that does not echo the password", async () => {
    const r = await runCli(["serve", "--port", "0", "--clickhouse", "ftp://admin:hunter2secret@host/db"], { home: tempHome() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid ClickHouse URL");
    expect(r.stderr).not.toContain("hunter2secret");
    const help = await runCli(["serve", "--help"], { home: tempHome() });
    expect(help.stdout).toContain("--clickhouse <url>");
  });
});
