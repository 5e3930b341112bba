import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedClickHouse, seedLocal, syntheticTraces } from "../../scripts/seed-traces.ts";
import { TraceBatch } from "../../src/traces/batch.ts";
import { ClickHouseTraceQueries } from "../../src/traces/clickhouse/queries.ts";
import { FileSink } from "../../src/traces/file-sink.ts";
import { LocalIndex } from "../../src/traces/local-index/index.ts";
import { LocalTraceQueries } from "../../src/traces/local-index/queries.ts";
import type { TraceListQuery, TraceQueries } from "../../src/traces/queries.ts";
import { segmentName } from "../../src/traces/local-files.ts";
import { TraceRecord } from "../../src/traces/record.ts";
import { backends, uniqueDatabase } from "../helpers/clickhouse.ts";
import { toLines } from "../helpers/trace-factory.ts";
import { readTraces } from "../helpers/traces.ts";

const END = Date.parse("2026-03-10T12:00:00.000Z");
const SEED = { count: 240, endMs: END, days: 3, seed: 7 };
const ALL = [...syntheticTraces(SEED)];
const newestFirst = (rs: TraceRecord[]) => [...rs].sort((a, b) => (a.ts_start === b.ts_start ? (a.id < b.id ? 1 : -1) : a.ts_start < b.ts_start ? 1 : -1));

async function walk(queries: TraceQueries, q: Omit<TraceListQuery, "limit" | "cursor">, limit = 17): Promise<string[]> {
  const ids: string[] = [];
  let cursor: TraceListQuery["cursor"];
  for (let pages = 0; pages < 1000; pages++) {
    const page = await queries.list({ ...q, limit, cursor });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.next) return ids;
    cursor = page.next;
  }
  throw new Error("paging never ended");
}

function contract(name: string, open: () => Promise<TraceQueries>) {
  describe(`the UI's queries over ${name}`, () => {
    let queries: TraceQueries;
    beforeAll(async () => {
      queries = await open();
    });

    test("the cursor walks every trace exactly once, newest first", async () => {
      const ids = await walk(queries, {});
      expect(ids).toEqual(newestFirst(ALL).map((r) => r.id));
      const first = await queries.list({ limit: 3 });
      expect(first.rows[0]).toMatchObject({ id: newestFirst(ALL)[0].id, ts_start: newestFirst(ALL)[0].ts_start });
    });

    test("each filter keeps exactly the matching traces", async () => {
      const one = ALL.find((r) => r.status === "ok")!;
      const tagged = ALL.find((r) => r.tags.feature)!;
      const cases: [Omit<TraceListQuery, "limit">, (r: TraceRecord) => boolean][] = [
        [{ model: one.selected_model! }, (r) => r.selected_model === one.selected_model || r.requested_model === one.selected_model],
        [{ model: "smart" }, (r) => r.requested_model === "smart"],
        [{ provider: "anthropic" }, (r) => r.provider === "anthropic"],
        [{ alias: "smart" }, (r) => r.alias === "smart"],
        [{ status: "error" }, (r) => r.status === "error"],
        [{ token: "ci-bot" }, (r) => r.token_name === "ci-bot"],
        [{ user: ALL.find((r) => r.user)!.user! }, (r) => r.user === ALL.find((x) => x.user)!.user],
        [{ session: ALL.find((r) => r.session_id)!.session_id! }, (r) => r.session_id === ALL.find((x) => x.session_id)!.session_id],
        [{ tag: { key: "feature", value: tagged.tags.feature } }, (r) => r.tags.feature === tagged.tags.feature],
        [{ q: "(#123)" }, (r) => JSON.stringify(r.request).includes("(#123)")],
        [
          { q: "HERE IS THE POEM" },
          (r) =>
            JSON.stringify(r.response ?? "")
              .toLowerCase()
              .includes("here is the poem"),
        ],
        [
          { sinceMs: Date.parse(ALL[50].ts_start), untilMs: Date.parse(ALL[60].ts_start) },
          (r) => r.ts_start >= ALL[50].ts_start && r.ts_start < ALL[60].ts_start,
        ],
        [{ provider: "openai", status: "ok", token: "web" }, (r) => r.provider === "openai" && r.status === "ok" && r.token_name === "web"],
      ];
      for (const [q, keep] of cases) {
        const expected = newestFirst(ALL.filter(keep)).map((r) => r.id);
        expect({ q, ids: await walk(queries, q, 25) }).toEqual({ q, ids: expected });
        expect({ q, n: expected.length > 0 }).toEqual({ q, n: true });
      }
    });

    test("detail is the stored record; another token's, or a missing one, is null", async () => {
      const r = ALL.find((x) => x.token_name === "web")!;
      expect(await queries.get(r.id)).toEqual(r);
      expect(await queries.get(r.id, "web")).toEqual(r);
      expect(await queries.get(r.id, "ci-bot")).toBeNull();
      expect(await queries.get("no-such-trace")).toBeNull();
    });

    test("activity: totals are the sums of the traces, buckets and breakdowns add up to them", async () => {
      const a = await queries.activity({ sinceMs: END - 3 * 86_400_000, untilMs: END, bucket: "hour", by: "model" });
      const cost = ALL.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
      expect(a.totals.requests).toBe(ALL.length);
      expect(a.totals.errors).toBe(ALL.filter((r) => r.status === "error").length);
      expect(a.totals.cost_usd).toBeCloseTo(cost, 9);
      expect(a.totals.input_tokens).toBe(ALL.reduce((s, r) => s + (r.input_tokens ?? 0), 0));
      expect(a.buckets.length).toBe(72);
      expect(a.buckets.reduce((s, b) => s + b.requests, 0)).toBe(ALL.length);
      expect(a.buckets.reduce((s, b) => s + b.cost_usd, 0)).toBeCloseTo(cost, 9);
      expect(a.breakdown.reduce((s, b) => s + b.requests, 0)).toBe(ALL.length);
      const cached = ALL.reduce((s, r) => s + (r.cached_tokens ?? 0), 0);
      expect(cached).toBeGreaterThan(0);
      expect(a.totals.cached_tokens).toBe(cached);
      expect(a.buckets.reduce((s, b) => s + b.cached_tokens, 0)).toBe(cached);
      const latencies = ALL.map((r) => r.latency_ms).sort((x, y) => x - y);
      // Nearest rank locally, ClickHouse's estimate there: both near the true median.
      expect(Math.abs(a.totals.p50_ms! - latencies[Math.ceil(latencies.length / 2) - 1])).toBeLessThan(300);
      expect(a.totals.p95_ms!).toBeGreaterThan(a.totals.p50_ms!);

      // Per model: its own sums, and its own latency percentiles (what ranks the slowest models).
      for (const share of a.breakdown) {
        const mine = ALL.filter((r) => r.selected_model === share.key);
        const sorted = mine.map((r) => r.latency_ms).sort((x, y) => x - y);
        const rank = (p: number) => sorted[Math.ceil(p * sorted.length) - 1]!;
        expect({ key: share.key, requests: share.requests, cached: share.cached_tokens, input: share.input_tokens }).toEqual({
          key: share.key,
          requests: mine.length,
          cached: mine.reduce((s, r) => s + (r.cached_tokens ?? 0), 0),
          input: mine.reduce((s, r) => s + (r.input_tokens ?? 0), 0),
        });
        expect(share.cost_usd).toBeCloseTo(
          mine.reduce((s, r) => s + (r.cost_usd ?? 0), 0),
          9,
        );
        expect(Math.abs(share.p50_ms! - rank(0.5))).toBeLessThan(300);
        expect(Math.abs(share.p95_ms! - rank(0.95))).toBeLessThan(800);
        expect(share.p95_ms!).toBeGreaterThanOrEqual(share.p50_ms!);
      }

      const mine = await queries.activity({ sinceMs: END - 3 * 86_400_000, untilMs: END, bucket: "day", by: "tag", token: "ci-bot" });
      const ci = ALL.filter((r) => r.token_name === "ci-bot");
      expect(mine.totals.requests).toBe(ci.length);
      expect(mine.totals.cost_usd).toBeCloseTo(
        ci.reduce((s, r) => s + (r.cost_usd ?? 0), 0),
        9,
      );
      const prod = mine.breakdown.find((b) => b.key === "env=prod")!;
      const prodTraces = ci.filter((r) => r.tags.env === "prod");
      expect(prod.requests).toBe(prodTraces.length);
      expect(prod.cached_tokens).toBe(prodTraces.reduce((s, r) => s + (r.cached_tokens ?? 0), 0));
      expect(prod.p95_ms!).toBeGreaterThanOrEqual(prod.p50_ms!);

      // One tag key's values only (how runs are compared: tag_key=run); totals and charts keep every call.
      const envs = await queries.activity({ sinceMs: END - 3 * 86_400_000, untilMs: END, bucket: "day", by: "tag", tagKey: "env" });
      expect(ALL.some((r) => Object.keys(r.tags).some((k) => k !== "env"))).toBe(true);
      expect(envs.breakdown.length).toBeGreaterThan(1);
      for (const b of envs.breakdown) {
        expect(b.key!.startsWith("env=")).toBe(true);
        expect({ key: b.key, requests: b.requests }).toEqual({ key: b.key, requests: ALL.filter((r) => `env=${r.tags.env}` === b.key).length });
      }
      expect(envs.breakdown.reduce((s, b) => s + b.requests, 0)).toBe(ALL.filter((r) => r.tags.env !== undefined).length);
      expect(envs.totals.requests).toBe(ALL.length);
    });

    test("spendByToken: per token, the sum of cost_usd and the answered calls without one, since the instant given", async () => {
      const since = END - 36 * 3_600_000;
      const want = new Map<string, { cost_usd: number; unpriced: number }>();
      for (const r of ALL) {
        if (!r.token_name || Date.parse(r.ts_start) < since) continue;
        const w = want.get(r.token_name) ?? { cost_usd: 0, unpriced: 0 };
        w.cost_usd += r.cost_usd ?? 0;
        if (r.cost_usd === null && r.status === "ok") w.unpriced++;
        want.set(r.token_name, w);
      }
      expect(want.size).toBeGreaterThan(1);
      const got = await queries.spendByToken(since);
      expect(got.map((r) => r.token).sort()).toEqual([...want.keys()].sort());
      for (const r of got) {
        expect(r.cost_usd).toBeCloseTo(want.get(r.token)!.cost_usd, 9);
        expect(r.unpriced).toBe(want.get(r.token)!.unpriced);
      }
      const ever = await queries.spendByToken(0);
      const everSum = ALL.reduce((s, r) => s + (r.token_name ? (r.cost_usd ?? 0) : 0), 0);
      expect(ever.reduce((s, r) => s + r.cost_usd, 0)).toBeCloseTo(everSum, 9);
    });
  });
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "queries-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

contract("the local SQLite index", async () => {
  const dir = join(tempDir(), "traces");
  expect(await seedLocal(dir, SEED)).toBe(SEED.count);
  expect(readTraces(join(dir, ".."))).toEqual(ALL);
  return new LocalTraceQueries(new LocalIndex(dir));
});

for (const b of backends()) {
  afterAll(() => b.close());
  contract(b.name, async () => {
    const client = await b.client();
    const db = uniqueDatabase("queries");
    expect(await seedClickHouse(client, db, SEED)).toBe(SEED.count);
    return new ClickHouseTraceQueries(client, db);
  });
}

describe("the local index keeps up with the JSON lines", () => {
  test("the index and its journal are private (0600): they hold prompt and answer text", async () => {
    const dir = join(tempDir(), "traces");
    const sink = new FileSink(dir);
    await sink.write(new TraceBatch(ALL.slice(0, 10)));
    await sink.close();
    const index = new LocalIndex(dir);
    await index.refresh();
    for (const f of readdirSync(dir).filter((n) => n.startsWith("index.sqlite"))) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toContain("index.sqlite");
    index.close();
  });

  test("lines written since the last look are indexed on the next query; a half-written line waits; a deleted index is rebuilt", async () => {
    const dir = join(tempDir(), "traces");
    const sink = new FileSink(dir);
    await sink.write(new TraceBatch(ALL.slice(0, 100)));

    let index = new LocalIndex(dir);
    const queries = new LocalTraceQueries(index);
    expect(await walk(queries, {})).toEqual(newestFirst(ALL.slice(0, 100)).map((r) => r.id));

    // The engine keeps appending; the next query sees it, with nothing fed by the writer.
    await sink.write(new TraceBatch(ALL.slice(100, 150)));
    expect(await walk(queries, {})).toEqual(newestFirst(ALL.slice(0, 150)).map((r) => r.id));

    // A line still being written is not indexed until it is complete.
    const [segment] = (await Array.fromAsync(new Bun.Glob("traces-*.jsonl").scan(dir))).sort();
    const partial = JSON.stringify(ALL[150]);
    appendFileSync(join(dir, segment), partial.slice(0, 40));
    expect(await walk(queries, {})).toEqual(newestFirst(ALL.slice(0, 150)).map((r) => r.id));
    appendFileSync(join(dir, segment), `${partial.slice(40)}\n`);
    expect(await walk(queries, {})).toEqual(newestFirst(ALL.slice(0, 151)).map((r) => r.id));
    expect(await queries.get(ALL[150].id)).toEqual(ALL[150]);
    await sink.close();
    index.close();

    // Deleted: rebuilt from the JSON lines alone, on the first query.
    for (const f of ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"]) rmSync(join(dir, f), { force: true });
    index = new LocalIndex(dir);
    expect(await walk(new LocalTraceQueries(index), {})).toEqual(newestFirst(ALL.slice(0, 151)).map((r) => r.id));
    expect(await new LocalTraceQueries(index).get(ALL[42].id)).toEqual(ALL[42]);
    index.close();
  });

  test("a record is read where the index says, and found again once its file was rewritten under it", async () => {
    const dir = join(tempDir(), "traces");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, segmentName("2026-03-10", 0));
    const [a, b, c] = ALL.slice(0, 3) as [TraceRecord, TraceRecord, TraceRecord];
    writeFileSync(file, toLines([a, b, c]));
    const queries = new LocalTraceQueries(new LocalIndex(dir));
    expect(await queries.get(b.id)).toEqual(b);
    // Rewritten as retention does (same name, other offsets): the old place holds another line now.
    const stripped = { ...c, request: null, response: null };
    writeFileSync(file, toLines([stripped, a, b]));
    expect(await queries.get(b.id)).toEqual(b);
    expect(await queries.get(c.id)).toEqual(TraceRecord.parse(stripped));
  });
});

describe("the local store's latency percentiles", () => {
  test("are nearest rank, exactly: overall, per bucket and per breakdown key", async () => {
    const dir = join(tempDir(), "traces");
    expect(await seedLocal(dir, SEED)).toBe(SEED.count);
    const index = new LocalIndex(dir);
    const a = await new LocalTraceQueries(index).activity({ sinceMs: END - 3 * 86_400_000, untilMs: END, bucket: "day", by: "provider" });
    const rank = (rs: TraceRecord[], p: number) => {
      const sorted = rs.map((r) => r.latency_ms).sort((x, y) => x - y);
      return sorted[Math.ceil(p * sorted.length) - 1];
    };
    expect([a.totals.p50_ms, a.totals.p95_ms]).toEqual([rank(ALL, 0.5), rank(ALL, 0.95)]);
    for (const b of a.buckets) {
      const day = Date.parse(b.t);
      const mine = ALL.filter((r) => Date.parse(r.ts_start) >= day && Date.parse(r.ts_start) < day + 86_400_000);
      expect([b.p50_ms, b.p95_ms]).toEqual([rank(mine, 0.5), rank(mine, 0.95)]);
    }
    for (const s of a.breakdown) {
      const mine = ALL.filter((r) => r.provider === s.key);
      expect([s.key, s.p50_ms, s.p95_ms]).toEqual([s.key, rank(mine, 0.5), rank(mine, 0.95)]);
    }
    index.close();
  });
});

describe("an index written by an older engine", () => {
  test("is dropped and rebuilt from the JSON lines, with the columns this engine sums (cached_tokens)", async () => {
    const dir = join(tempDir(), "traces");
    const sink = new FileSink(dir);
    const some = ALL.slice(0, 60);
    await sink.write(new TraceBatch(some));
    await sink.close();
    // Version 1 had no cached_tokens, and had indexed every line already.
    const old = new Database(join(dir, "index.sqlite"));
    old.run("CREATE TABLE traces (id TEXT PRIMARY KEY, ts_ms INTEGER NOT NULL)");
    old.run("CREATE TABLE segments (name TEXT PRIMARY KEY, offset INTEGER NOT NULL)");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".jsonl"))) old.run("INSERT INTO segments VALUES (?1, ?2)", [f, statSync(join(dir, f)).size]);
    old.run("PRAGMA user_version = 1");
    old.close();
    const index = new LocalIndex(dir);
    const a = await new LocalTraceQueries(index).activity({ sinceMs: 0, untilMs: END, bucket: "day", by: "model" });
    expect(a.totals.requests).toBe(some.length);
    expect(a.totals.cached_tokens).toBe(some.reduce((s, r) => s + (r.cached_tokens ?? 0), 0));
    expect(a.totals.cached_tokens).toBeGreaterThan(0);
    index.close();
  });
});

describe("scripts/seed-traces.ts", () => {
  test("seeds N traces into a local store, JSON lines and index alike", async () => {
    const home = join(tempDir(), "home");
    const proc = Bun.spawn(
      [process.execPath, join(import.meta.dir, "..", "..", "scripts", "seed-traces.ts"), "--count", "120", "--days", "2", "--home", home],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stdout).text()).toContain("seeded 120 traces");
    const records = readTraces(home);
    expect(records).toHaveLength(120);
    expect(new Set(records.map((r) => r.id)).size).toBe(120);
    const index = new LocalIndex(join(home, "traces"));
    const queries = new LocalTraceQueries(index);
    expect(await walk(queries, {}, 50)).toEqual(newestFirst(records).map((r) => r.id));
    const a = await queries.activity({ sinceMs: 0, untilMs: Date.now() + 1000, bucket: "day", by: "provider" });
    expect(a.totals.cost_usd).toBeCloseTo(
      records.reduce((s, r) => s + (r.cost_usd ?? 0), 0),
      9,
    );
    index.close();
  });
});
