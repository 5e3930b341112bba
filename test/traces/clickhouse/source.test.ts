import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClickHouseSink } from "../../../src/traces/clickhouse/sink.ts";
import { ClickHouseTraceSource } from "../../../src/traces/clickhouse/source.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { backends, eventually, uniqueDatabase } from "../../helpers/clickhouse.ts";
import { TraceBatch } from "../../../src/traces/batch.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

const now = Date.now();
const at = (ago: number) => new Date(now - ago).toISOString();
const trace = (ago: number, o: Partial<TraceRecord> = {}) => makeTrace({ ts_start: at(ago), ts_first_byte: null, ts_end: at(ago - 5), ...o });

for (const b of backends()) {
  describe(`traces tail over ${b.name}`, () => {
    afterAll(() => b.close());

    test("the last N, filtered, oldest first; following shows new and late traces once, reading only those", async () => {
      const client = await b.client();
      const db = uniqueDatabase("tail");
      const sink = new ClickHouseSink({
        client,
        database: db,
        spoolDir: join(mkdtempSync(join(tmpdir(), "tail-")), "spool"),
        display: "x",
        engineVersion: "test",
      });
      sink.start();
      await eventually(() => sink.status().state === "ok", 15_000, "sink ready");
      const write = async (rs: TraceRecord[]) => {
        await sink.write(new TraceBatch(rs));
        await sink.flush();
      };
      const history = [
        trace(50_000),
        trace(40_000, { alias: "smart" }),
        makeErrorTrace({ ts_start: at(30_000), ts_end: at(29_000) }),
        trace(20_000, { selected_model: "groq/x", user: "ada", session_id: "s-1", tags: { team: "search" } }),
        trace(10_000),
      ];
      await write(history);

      const source = new ClickHouseTraceSource(client, db, { pollMs: 20 });
      expect((await source.last(3)).records.map((r) => r.id)).toEqual(history.slice(2).map((r) => r.id));
      expect((await source.last(10, { status: "error" })).records.map((r) => r.id)).toEqual([history[2].id]);
      expect((await source.last(10, { model: "smart" })).records.map((r) => r.id)).toEqual([history[1].id]);
      expect((await source.last(10, { model: "groq/x" })).records.map((r) => r.id)).toEqual([history[3].id]);
      expect((await source.last(10, { user: "ada", session: "s-1" })).records.map((r) => r.id)).toEqual([history[3].id]);
      expect((await source.last(10, { tag: { key: "team", value: "search" } })).records.map((r) => r.id)).toEqual([history[3].id]);
      // An absent key reads as '' in a Map: a filter on an empty value must not match every untagged trace.
      expect((await source.last(10, { tag: { key: "env", value: "" } })).records.map((r) => r.id)).toEqual([]);

      const { records, cursor } = await source.last(2);
      expect(records.map((r) => r.id)).toEqual(history.slice(3).map((r) => r.id));
      expect(await source.poll(cursor)).toEqual([]);
      const fetched = source.stats.rowsFetched;
      // A new trace, and a late one: it started before everything shown (a long stream, a spool replay).
      const fresh = [trace(1000), trace(3600_000)];
      await write(fresh);
      const seen: string[] = [];
      const stop = new AbortController();
      for await (const r of source.follow(cursor, { signal: stop.signal })) {
        seen.push(r.id);
        if (seen.length === 2) stop.abort();
      }
      expect(seen.sort()).toEqual(fresh.map((r) => r.id).sort());
      expect(source.stats.rowsFetched - fetched).toBe(2);
      expect(await source.poll(cursor)).toEqual([]);
      await sink.close();
    });
  });
}
