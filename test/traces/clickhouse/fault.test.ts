import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { count, eventually, startServer, uniqueDatabase, type RunningServer } from "../../helpers/clickhouse.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

/**
 * Fault injection against ClickHouse as a server process (scripts/chdb-server.ts): kill -9 of
 * that process under load, and an engine SIGKILLed with batches in its spool. Both check that
 * every request is in ClickHouse exactly once.
 */

let fake: FakeOpenAI;
let server: RunningServer;

describe("fault injection: ClickHouse server process", () => {
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    server = await startServer();
  });
  afterAll(async () => {
    fake?.close();
    await server?.dispose();
  });

  const health = async (e: RunningEngine) => ((await (await fetch(`${e.url}/health`)).json()) as any).traces;

  /** One request; resolves to its trace id and latency. */
  async function call(e: RunningEngine): Promise<{ id: string; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${e.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`request failed: ${res.status}`);
    return { id: res.headers.get("x-opentracy-trace-id")!, ms: performance.now() - t0 };
  }

  /**
   * A steady, bounded load: `workers` clients in a loop until stopped (or `max` requests), each
   * request tagged with whether ClickHouse was up for all of it. `max` leaves room for the second
   * or so the engine takes to see a kill (its next insert, up to flush_ms later) at ~2k req/s.
   */
  function load(e: RunningEngine, isUp: () => boolean, workers = 4, max = 20_000) {
    const results: { id: string; ms: number; up: boolean; down: boolean }[] = [];
    let stop = false;
    let started = 0;
    const worker = async () => {
      while (!stop && started < max) {
        started++;
        const upBefore = isUp();
        const r = await call(e);
        const upAfter = isUp();
        results.push({ ...r, up: upBefore && upAfter, down: !upBefore && !upAfter });
      }
    };
    const running = Promise.all(Array.from({ length: workers }, worker));
    return { results, stop: () => ((stop = true), running) };
  }

  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  };

  test("kill -9 ClickHouse under load, keep going, restart it: every request stored once, latency unaffected", async () => {
    const db = uniqueDatabase("fault");
    const engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, OPENTRACY_CLICKHOUSE_URL: `${server.url}/${db}` } });
    await engine.waitForLog(/→ ok/, 15_000);
    let up = true;
    const l = load(engine, () => up);

    await eventually(() => l.results.length >= 300, 30_000, "300 requests with ClickHouse up");
    await server.kill9();
    up = false;
    await eventually(async () => (await health(engine)).state === "down", 15_000, "the engine to see ClickHouse down");
    const downFrom = l.results.length;
    await eventually(() => l.results.length >= downFrom + 300, 30_000, "300 requests with ClickHouse down");
    const spooled = (await health(engine)).spooled_rows;
    expect(spooled).toBeGreaterThan(0);

    await server.restart();
    up = true;
    const upFrom = l.results.length;
    await eventually(() => l.results.length >= upFrom + 300, 30_000, "300 requests after the restart");
    await l.stop();
    const total = l.results.length;

    const client = await server.client();
    try {
      await eventually(
        async () => {
          const h = await health(engine);
          return h.state === "ok" && h.spooled_batches === 0 && h.queued === 0 && h.buffered_rows === 0 && h.written === total;
        },
        30_000,
        "the spool to drain",
      );
      const table = `${db}.traces`;
      expect(await count(client, `SELECT count() FROM ${table}`)).toBe(total);
      expect(await count(client, `SELECT uniqExact(id) FROM ${table}`)).toBe(total);
      const ids = (await (await client.query({ query: `SELECT id FROM ${table}`, format: "JSONEachRow" })).json()) as { id: string }[];
      expect(new Set(ids.map((r) => r.id))).toEqual(new Set(l.results.map((r) => r.id)));
      // The aggregate is written by a materialized view after the table, not atomically with it:
      // a kill -9 between the two can leave the batch in flight at that moment out of it (and only
      // that one), never counted twice.
      const aggregated = await count(client, `SELECT sum(requests) FROM ${db}.traces_hourly_stats`);
      const largestBatch = await count(client, `SELECT max(n) FROM (SELECT count() AS n FROM ${table} GROUP BY batch_id)`);
      expect(aggregated).toBeLessThanOrEqual(total);
      expect(aggregated).toBeGreaterThanOrEqual(total - largestBatch);
    } finally {
      await client.close();
    }

    const upMs = l.results.filter((r) => r.up).map((r) => r.ms);
    const downMs = l.results.filter((r) => r.down).map((r) => r.ms);
    const report = `requests ${total} (spooled ${spooled} while down); latency ms p50/p95: up ${quantile(upMs, 0.5).toFixed(2)}/${quantile(upMs, 0.95).toFixed(2)}, down ${quantile(downMs, 0.5).toFixed(2)}/${quantile(downMs, 0.95).toFixed(2)}`;
    process.stderr.write(`fault injection: ${report}\n`);
    expect(downMs.length).toBeGreaterThan(100);
    // The request path never waits for ClickHouse; generous bounds absorb a busy 2-core CI machine.
    expect(quantile(downMs, 0.5)).toBeLessThan(quantile(upMs, 0.5) * 2 + 5);
    expect(quantile(downMs, 0.95)).toBeLessThan(quantile(upMs, 0.95) * 3 + 20);
    expect(engine.stderr()).not.toContain(server.password);
    expect(await engine.stop()).toBe(0);
  }, 120_000);

  test("an engine killed with SIGKILL while its spool holds batches: the next start replays them", async () => {
    const db = uniqueDatabase("killed");
    const url = `${server.url}/${db}`;
    await server.kill9(); // ClickHouse unreachable: everything goes to the spool
    const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, OPENTRACY_CLICKHOUSE_URL: url };
    const first = await startEngine({ env });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await call(first)).id);
    await eventually(async () => (await health(first)).spooled_rows === 25, 15_000, "25 traces in the spool");
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    await server.restart();
    const second = await startEngine({ env, home: first.home });
    await second.waitForLog(/→ ok/, 15_000);
    expect(second.stderr()).toMatch(/25 traces in \d+ batches left by the last run/);
    expect(await second.stop()).toBe(0);
    const client = await server.client();
    try {
      const rows = (await (await client.query({ query: `SELECT id FROM ${db}.traces`, format: "JSONEachRow" })).json()) as { id: string }[];
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    } finally {
      await client.close();
    }
  }, 60_000);
});
