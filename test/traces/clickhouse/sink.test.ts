import { afterAll, describe, expect, test } from "bun:test";
import type { ClickHouseClient } from "@clickhouse/client";
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryRows } from "../../../src/traces/clickhouse/migrate.ts";
import { TABLE } from "../../../src/traces/clickhouse/schema.ts";
import { ClickHouseInsertError, type Inserter } from "../../../src/traces/clickhouse/insert.ts";
import { ClickHouseSink } from "../../../src/traces/clickhouse/sink.ts";
import { Spool } from "../../../src/traces/clickhouse/spool.ts";
import { ClickHouseTraceSource } from "../../../src/traces/clickhouse/source.ts";
import { qualified } from "../../../src/traces/clickhouse/sql.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { TraceWriter, type ContentPolicy } from "../../../src/traces/writer.ts";
import { backends, count, eventually, uniqueDatabase } from "../../helpers/clickhouse.ts";
import { TraceBatch } from "../../../src/traces/batch.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

const batch = (rs: TraceRecord[]) => new TraceBatch(rs);
/** One batch as one insert (or one spooled frame): the sink holds what it is written until its flush. */
const send = async (sink: { write(b: TraceBatch): Promise<void>; flush(): Promise<void> }, b: TraceBatch) => {
  await sink.write(b);
  await sink.flush();
};

const HOUR = 3600_000;
const base = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR; // the start of an hour, three hours ago
const at = (ms: number) => new Date(base + ms).toISOString();

/** A trace that started `ms` after `base`, so tests can place traces in hours. */
function traceAt(ms: number, overrides: Partial<TraceRecord> = {}): TraceRecord {
  return makeTrace({ ts_start: at(ms), ts_first_byte: at(ms + 10), ts_end: at(ms + 20), ...overrides });
}

/**
 * A client and inserter that fail on demand, the way a network or a server does: `down` refuses
 * every call; `lostReplies` lets an insert reach ClickHouse and then throws, as a timeout after
 * success does; `refuseId` refuses any insert holding that trace as bad data.
 */
function flaky(client: ClickHouseClient, insert: Inserter) {
  const ctl = { down: false, lostReplies: 0, refuseId: "" };
  const refuse = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }));
  const proxy = new Proxy(client, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (prop === "query" || prop === "command") return (params: any) => (ctl.down ? refuse() : (v as any).call(target, params));
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const flakyInsert: Inserter = async (table, rows, o) => {
    if (ctl.down) return refuse();
    if (ctl.refuseId && rows.split("\n").some((line) => line !== "" && JSON.parse(line).id === ctl.refuseId)) {
      throw new ClickHouseInsertError("Code: 27. DB::Exception: Cannot parse input: expected ',' before: x. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)", 27);
    }
    await insert(table, rows, o);
    if (ctl.lostReplies > 0) {
      ctl.lostReplies--;
      throw new Error("socket hang up");
    }
  };
  return { client: proxy, insert: flakyInsert, ctl };
}

function newSink(client: ClickHouseClient, insert: Inserter, database: string, spoolDir = join(mkdtempSync(join(tmpdir(), "ch-sink-")), "spool")) {
  const logs: string[] = [];
  const sink = new ClickHouseSink({
    client,
    insert,
    database,
    spoolDir,
    display: "http://default:***@test/db",
    engineVersion: "test",
    backoff: { baseMs: 20, maxMs: 200 },
    closeTimeoutMs: 500,
    log: (l) => logs.push(l),
  });
  return { sink, logs, spoolDir };
}

const CONTENT: ContentPolicy = { content: true, redact: false };

for (const b of backends()) {
  describe(`ClickHouse sink on ${b.name}`, () => {
    afterAll(() => b.close());

    test("every field of every record is stored and read back unchanged", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const { sink } = newSink(client, await b.inserter(db), db);
      const records = [
        traceAt(0, {
          request: [{ role: "user", content: 'héllo ☃ "quoted" \\ back\nslash' }],
          response: [{ role: "assistant", content: "ok", reasoning_content: "thought" }],
        }),
        traceAt(1000, {
          stream: true,
          api: "messages",
          alias: "smart",
          reasoning_tokens: 7,
          cached_tokens: 3,
          finish_reason: "tool_calls",
          tool_calls: 2,
          cost_usd: 0.0000222,
        }),
        makeErrorTrace({ ts_start: at(2000), ts_end: at(2050), provider: null, selected_model: null, attempts: [] }),
        traceAt(3000, {
          attempts: [
            { model: "openai/a", provider: "openai", status: 500, error_type: "api_error", latency_ms: 12.5, start_ms: 0.125, kind: "first" },
            { model: "groq/b", provider: "groq", status: 200, error_type: null, latency_ms: 40, start_ms: 15.25, kind: "fallback" },
          ],
          latency_ms: 55.25,
          ttft_ms: null,
          ts_first_byte: null,
        }),
      ];
      const writer = new TraceWriter(sink, () => CONTENT);
      writer.start();
      for (const r of records) writer.enqueue(r);
      await eventually(() => sink.status().rows_written === records.length, 15_000, "rows written");
      await writer.close();
      const source = new ClickHouseTraceSource(client, db);
      const { records: back } = await source.last(10);
      expect(back).toEqual(records);
      expect(sink.status()).toMatchObject({ state: "closed", rows_written: 4, spooled_batches: 0 });
    });

    test("the content policy is what is stored: content off, and redaction", async () => {
      const client = await b.client();
      for (const policy of [
        { content: false, redact: false },
        { content: true, redact: true },
      ]) {
        const db = uniqueDatabase();
        const { sink } = newSink(client, await b.inserter(db), db);
        const writer = new TraceWriter(sink, () => policy);
        writer.start();
        writer.enqueue(traceAt(0, { request: [{ role: "user", content: "mail jane.doe@example.com, call +1 415 555 0100" }], error_message: null }));
        await eventually(() => sink.status().rows_written === 1, 15_000, "row written");
        await writer.close();
        const [row] = await queryRows<{ request: string | null; response: string | null }>(
          client,
          `SELECT request, response FROM ${qualified(db, TABLE.traces)}`,
        );
        if (!policy.content) {
          expect(row).toEqual({ request: null, response: null });
        } else {
          expect(row.request).not.toContain("jane.doe");
          expect(row.request).not.toContain("555 0100");
          expect(row.request).toContain("[EMAIL]");
        }
      }
    });

    test("the hourly aggregate per model: counts, errors, tokens, cost and latency quantiles", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const { sink } = newSink(client, await b.inserter(db), db);
      const records: TraceRecord[] = [];
      // Hour 0, model A: 101 ok calls with latencies 1..101 ms, 10 in / 20 out tokens, $0.5 each.
      for (let i = 0; i < 101; i++)
        records.push(
          traceAt(i * 1000, {
            selected_model: "openai/a",
            latency_ms: i + 1,
            input_tokens: 10,
            output_tokens: 20,
            cached_tokens: 1,
            reasoning_tokens: null,
            cost_usd: 0.5,
          }),
        );
      // Hour 0, model A: 3 errors. Hour 1, model B: 2 calls without a known price.
      for (let i = 0; i < 3; i++)
        records.push(makeErrorTrace({ ts_start: at(200_000 + i), ts_end: at(200_100 + i), selected_model: "openai/a", latency_ms: 5 }));
      for (let i = 0; i < 2; i++)
        records.push(traceAt(HOUR + i, { selected_model: "groq/b", cost_usd: null, input_tokens: 100, output_tokens: 1, reasoning_tokens: 4, latency_ms: 10 }));
      // Written in two batches, so the view sums states of separate inserts.
      await send(sink, batch(records.slice(0, 50)));
      await send(sink, batch(records.slice(50)));
      sink.start();
      await eventually(() => sink.status().rows_written === records.length, 15_000, "rows written");
      await sink.close();
      const stats = await queryRows<any>(
        client,
        `SELECT toString(hour) AS hour, model, requests, errors, unpriced, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd FROM ${qualified(db, TABLE.hourlyStats)} ORDER BY hour, model`,
      );
      const hour = (ms: number) => new Date(base + ms).toISOString().slice(0, 19).replace("T", " ");
      expect(
        stats.map((s) => ({
          ...s,
          requests: Number(s.requests),
          errors: Number(s.errors),
          unpriced: Number(s.unpriced),
          input_tokens: Number(s.input_tokens),
          output_tokens: Number(s.output_tokens),
          cached_tokens: Number(s.cached_tokens),
          reasoning_tokens: Number(s.reasoning_tokens),
        })),
      ).toEqual([
        {
          hour: hour(0),
          model: "openai/a",
          requests: 104,
          errors: 3,
          unpriced: 0,
          input_tokens: 1010,
          output_tokens: 2020,
          cached_tokens: 101,
          reasoning_tokens: 0,
          cost_usd: 50.5,
        },
        {
          hour: hour(HOUR),
          model: "groq/b",
          requests: 2,
          errors: 0,
          unpriced: 2,
          input_tokens: 200,
          output_tokens: 2,
          cached_tokens: 0,
          reasoning_tokens: 8,
          cost_usd: 0,
        },
      ]);
      // The quantiles of model A's ok calls alone (1..101 ms): the errors (5 ms) shift them by design.
      const [q] = await queryRows<any>(client, `SELECT latency_ms_quantiles AS q FROM ${qualified(db, TABLE.hourlyStats)} WHERE model = 'groq/b'`);
      expect(q.q).toEqual([10, 10, 10]);
      const [qa] = await queryRows<any>(client, `SELECT latency_ms_quantiles AS q FROM ${qualified(db, TABLE.hourlyStats)} WHERE model = 'openai/a'`);
      // 104 values: 5,5,5,1..101 → sorted 1,2,3,4,5,5,5,5,6..101; quantiles by linear interpolation.
      const sorted = [...records.slice(0, 104).map((r) => r.latency_ms)].sort((x, y) => x - y);
      const interp = (p: number) => {
        const pos = p * (sorted.length - 1);
        const lo = Math.floor(pos);
        return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
      };
      expect(qa.q.map((v: number) => Math.round(v * 100) / 100)).toEqual([0.5, 0.9, 0.99].map((p) => Math.round(interp(p) * 100) / 100));
    });

    test("ClickHouse down: batches are spooled to disk, then replayed in order once it answers", async () => {
      const real = await b.client();
      const db = uniqueDatabase();
      const { client, insert, ctl } = flaky(real, await b.inserter(db));
      const { sink, logs, spoolDir } = newSink(client, insert, db);
      ctl.down = true;
      sink.start();
      const records = Array.from({ length: 30 }, (_, i) => traceAt(i * 10));
      for (let i = 0; i < 30; i += 10) await send(sink, batch(records.slice(i, i + 10)));
      expect(sink.status()).toMatchObject({ state: "connecting", spooled_batches: 3, spooled_rows: 30, rows_written: 0 });
      expect(sink.status().last_error).toContain("ECONNREFUSED");
      ctl.down = false;
      await eventually(() => sink.status().state === "ok", 15_000, "state ok");
      expect(sink.status()).toMatchObject({ spooled_batches: 0, rows_written: 30 });
      // Back to direct inserts, and the spool folder is empty again.
      await send(sink, batch([traceAt(999_000)]));
      expect(sink.status().rows_written).toBe(31);
      expect(readdirSync(spoolDir).filter((n) => n.endsWith(".log"))).toEqual([]);
      await sink.close();
      expect(await count(real, `SELECT count() FROM ${qualified(db, TABLE.traces)}`)).toBe(31);
      const order = await queryRows<{ id: string }>(real, `SELECT id FROM ${qualified(db, TABLE.traces)} ORDER BY inserted_at, ts_start`);
      expect(order.slice(0, 30).map((r) => r.id)).toEqual(records.map((r) => r.id));

      // Later outage: one "down" line, however many retries, then "replaying" and "ok".
      expect(logs.filter((l) => / → down/.test(l)).length).toBeLessThanOrEqual(1);
      expect(logs.some((l) => / → replaying/.test(l))).toBe(true);
    });

    test("an insert that succeeded but whose answer was lost is not written twice on replay", async () => {
      const real = await b.client();
      const db = uniqueDatabase();
      const { client, insert, ctl } = flaky(real, await b.inserter(db));
      const { sink } = newSink(client, insert, db);
      sink.start();
      await eventually(() => sink.status().state === "ok", 15_000, "state ok");
      ctl.lostReplies = 1;
      await send(sink, batch([traceAt(0), traceAt(1)])); // lands, but the sink sees a failure and spools it
      await send(sink, batch([traceAt(2)]));
      expect(sink.status().state).not.toBe("ok");
      await eventually(() => sink.status().state === "ok" && sink.status().spooled_batches === 0, 15_000, "replayed");
      await sink.close();
      expect(await count(real, `SELECT count() FROM ${qualified(db, TABLE.traces)}`)).toBe(3);
      expect(await count(real, `SELECT sum(requests) FROM ${qualified(db, TABLE.hourlyStats)}`)).toBe(3);
    });

    test("a new sink on the same spool (an engine killed and restarted) replays what the last one left", async () => {
      const real = await b.client();
      const db = uniqueDatabase();
      const dead = flaky(real, await b.inserter(db));
      dead.ctl.down = true;
      const first = newSink(dead.client, dead.insert, db);
      first.sink.start();
      const records = Array.from({ length: 12 }, (_, i) => traceAt(i));
      for (let i = 0; i < 12; i += 4) await send(first.sink, batch(records.slice(i, i + 4)));
      // No close(): the process is gone. The next one starts on the same folder.
      const second = newSink(real, await b.inserter(db), db, first.spoolDir);
      expect(second.logs.join("\n")).toContain("12 traces in 3 batches left by the last run");
      second.sink.start();
      await eventually(() => second.sink.status().state === "ok", 15_000, "replayed");
      await second.sink.close();
      await first.sink.close();
      expect(await count(real, `SELECT uniqExact(id) FROM ${qualified(db, TABLE.traces)}`)).toBe(12);
      expect(await count(real, `SELECT count() FROM ${qualified(db, TABLE.traces)}`)).toBe(12);
      expect(existsSync(join(first.spoolDir, "ack"))).toBe(false);
    });

    test("a batch ClickHouse keeps refusing as bad data is set aside, and the traces after it go in", async () => {
      const real = await b.client();
      const db = uniqueDatabase();
      const { client, insert, ctl } = flaky(real, await b.inserter(db));
      const { sink, logs, spoolDir } = newSink(client, insert, db);
      sink.start();
      await eventually(() => sink.status().state === "ok", 15_000, "state ok");
      const poison = traceAt(1, { id: "poison" });
      ctl.refuseId = "poison";
      await send(sink, batch([traceAt(0), poison]));
      await send(sink, batch([traceAt(2), traceAt(3)]));
      await eventually(() => sink.status().state === "ok", 15_000, "past the bad batch");
      expect(sink.status()).toMatchObject({ rejected_rows: 2, rows_written: 2, spooled_batches: 0 });
      expect(logs.join("\n")).toContain("rejected.jsonl");
      const { readFileSync } = await import("node:fs");
      expect(readFileSync(join(spoolDir, "..", "rejected.jsonl"), "utf8")).toContain('"id":"poison"');
      await sink.close();
      expect(await count(real, `SELECT count() FROM ${qualified(db, TABLE.traces)}`)).toBe(2);
    });

    test("the writer's small batches are encoded at once and go in as one insert: after a second, or at once on flush", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const { sink } = newSink(client, await b.inserter(db), db);
      sink.start();
      await eventually(() => sink.status().state === "ok", 15_000, "state ok");
      const records = Array.from({ length: 30 }, (_, i) => traceAt(i));
      for (let i = 0; i < 30; i += 10) await sink.write(batch(records.slice(i, i + 10)));
      expect(sink.status()).toMatchObject({ buffered_rows: 30, rows_written: 0 });
      // Nobody flushes: the insert's own timer sends it.
      await eventually(() => sink.status().rows_written === 30, 10_000, "the timed insert");
      expect(await count(client, `SELECT uniqExact(batch_id) FROM ${qualified(db, TABLE.traces)}`)).toBe(1);
      await sink.write(batch([traceAt(100)]));
      expect(sink.status()).toMatchObject({ buffered_rows: 1, rows_written: 30 });
      await sink.flush();
      expect(sink.status()).toMatchObject({ buffered_rows: 0, rows_written: 31 });
      // What close finds buffered goes in too.
      await sink.write(batch([traceAt(200)]));
      await sink.close();
      expect(await count(client, `SELECT count() FROM ${qualified(db, TABLE.traces)}`)).toBe(32);
    });

    test("a spool of trace records left by an older engine (OTSPOOL1 frames) still replays", async () => {
      const real = await b.client();
      const db = uniqueDatabase();
      const spoolDir = join(mkdtempSync(join(tmpdir(), "ch-sink-")), "spool");
      mkdirSync(spoolDir, { recursive: true });
      const old = new Spool(spoolDir);
      const records = Array.from({ length: 5 }, (_, i) => traceAt(i));
      await old.append("old-batch", new TraceBatch(records).lines(), records.length, "records");
      await old.close();
      const { sink, logs } = newSink(real, await b.inserter(db), db, spoolDir);
      expect(logs.join("\n")).toContain("5 traces in 1 batches left by the last run");
      sink.start();
      await eventually(() => sink.status().state === "ok" && sink.status().rows_written === 5, 15_000, "replayed");
      await sink.close();
      const rows = await queryRows<{ id: string; batch_id: string }>(real, `SELECT id, batch_id FROM ${qualified(db, TABLE.traces)} ORDER BY id`);
      expect(rows).toEqual(records.map((r) => ({ id: r.id, batch_id: "old-batch" })).sort((a, z) => (a.id < z.id ? -1 : 1)));
    });
  });
}
