import { afterAll, describe, expect, test } from "bun:test";
import { migrate, queryRows } from "../../../src/traces/clickhouse/migrate.ts";
import { fromRow, RECORD_COLUMNS, toRow } from "../../../src/traces/clickhouse/rows.ts";
import { LATEST_VERSION, TABLE } from "../../../src/traces/clickhouse/schema.ts";
import { qualified } from "../../../src/traces/clickhouse/sql.ts";
import { backends, count, uniqueDatabase } from "../../helpers/clickhouse.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

const opts = { engineVersion: "test" };
const now = Date.now();
const recent = (i: number) => new Date(now - 3600_000 + i * 1000).toISOString();

for (const b of backends()) {
  describe(`schema on ${b.name}`, () => {
    afterAll(() => b.close());

    test("a fresh database gets every table and view, and the migrations are recorded", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const state = await migrate(client, db, opts);
      expect(state).toMatchObject({ from: 0, to: LATEST_VERSION });
      const tables = (await queryRows<{ name: string }>(client, `SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`)).map((r) => r.name);
      expect(tables).toEqual(
        [TABLE.migrations, TABLE.records, TABLE.traces, TABLE.hourly, TABLE.hourlyMv, TABLE.hourlyStats, TABLE.settings, TABLE.audit].sort(),
      );
      const versions = await queryRows<{ version: number }>(client, `SELECT DISTINCT version FROM ${qualified(db, TABLE.migrations)} ORDER BY version`);
      expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      // Again: nothing to do, nothing changes.
      expect(await migrate(client, db, opts)).toMatchObject({ from: LATEST_VERSION, to: LATEST_VERSION });
    });

    test("engines starting at once converge on one schema", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const states = await Promise.all([migrate(client, db, opts), migrate(client, db, opts), migrate(client, db, opts)]);
      for (const s of states) expect(s.to).toBeGreaterThanOrEqual(0);
      const after = await migrate(client, db, opts);
      expect(after.from).toBe(LATEST_VERSION);
      expect(await count(client, `SELECT count() FROM system.tables WHERE database = '${db}'`)).toBe(8);
    });

    test("an older schema (version 1) is upgraded in place, its traces kept and counted in the aggregate", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const old = await migrate(client, db, { ...opts, upTo: 1 });
      expect(old.to).toBe(1);
      const traces = [
        makeTrace({ ts_start: recent(0), ts_end: recent(1), latency_ms: 100 }),
        makeTrace({ ts_start: recent(2), ts_end: recent(3), latency_ms: 300 }),
        makeErrorTrace({ ts_start: recent(4), ts_end: recent(5), latency_ms: 50 }),
      ];
      // Rows as an engine of schema version 1 wrote them: without the columns added since.
      const oldRows = traces.map((t) => {
        const { token_name: _added_in_4, user: _u5, session_id: _s5, tags: _t5, api: _a7, ...row } = toRow(t, "old-batch") as Record<string, unknown>;
        return row;
      });
      await client.insert({ table: qualified(db, TABLE.traces), values: oldRows, format: "JSONEachRow" });

      const upgraded = await migrate(client, db, opts);
      expect(upgraded).toMatchObject({ from: 1, to: LATEST_VERSION });
      expect(await count(client, `SELECT count() FROM ${qualified(db, TABLE.records)}`)).toBe(3);
      expect(await count(client, `SELECT count() FROM ${qualified(db, TABLE.records)} WHERE isNull(token_name)`)).toBe(3);
      // Columns added by migration 5 read as empty on the old rows.
      const old5 = await queryRows<Record<string, unknown>>(client, `SELECT ${RECORD_COLUMNS.join(", ")} FROM ${qualified(db, TABLE.records)}`);
      expect(old5.map(fromRow).map((r) => [r.user, r.session_id, r.tags])).toEqual([
        [null, null, {}],
        [null, null, {}],
        [null, null, {}],
      ]);
      // Migration 7's api: every row written before it was a chat completion.
      expect(old5.map(fromRow).map((r) => r.api)).toEqual(["chat", "chat", "chat"]);
      const [stats] = await queryRows<any>(client, `SELECT sum(requests) AS requests, sum(errors) AS errors FROM ${qualified(db, TABLE.hourlyStats)}`);
      expect(Number(stats.requests)).toBe(3);
      expect(Number(stats.errors)).toBe(1);
      // Upgrading twice (another engine) does not count them again.
      await migrate(client, db, opts);
      const [again] = await queryRows<any>(client, `SELECT sum(requests) AS requests FROM ${qualified(db, TABLE.hourlyStats)}`);
      expect(Number(again.requests)).toBe(3);
    });

    test("the TTL follows the configuration", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const ttl = async () =>
        (await queryRows<{ e: string }>(client, `SELECT engine_full AS e FROM system.tables WHERE database = '${db}' AND name = 'traces'`))[0].e;
      await migrate(client, db, { ...opts, ttlDays: 30 });
      expect(await ttl()).toContain("toIntervalDay(30)");
      await migrate(client, db, { ...opts, ttlDays: 7 });
      expect(await ttl()).toContain("toIntervalDay(7)");
      await migrate(client, db, { ...opts, ttlDays: 0 });
      expect(await ttl()).not.toContain("TTL");
    });

    test("prompts and answers expire before their traces: a column TTL sets them back to NULL, the rest stays", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      const lines: string[] = [];
      await migrate(client, db, { ...opts, contentTtlDays: 7, log: (l) => lines.push(l) });
      expect(lines).toContain("clickhouse: prompts and answers kept 7 days");
      const old = new Date(now - 10 * 86_400_000).toISOString();
      const rows = [
        toRow(
          makeTrace({ id: "old", ts_start: old, ts_end: old, request: [{ role: "user", content: "old prompt" }], request_params: { temperature: 0 } }),
          "b1",
        ),
        toRow(makeTrace({ id: "new", ts_start: recent(1), ts_end: recent(1), request: [{ role: "user", content: "new prompt" }] }), "b1"),
      ];
      await client.insert({ table: qualified(db, TABLE.traces), values: rows, format: "JSONEachRow" });
      await client.command({ query: `ALTER TABLE ${qualified(db, TABLE.traces)} MATERIALIZE TTL`, clickhouse_settings: { mutations_sync: "2" } });
      const read = await queryRows<Record<string, unknown>>(client, `SELECT ${RECORD_COLUMNS.join(", ")} FROM ${qualified(db, TABLE.records)} ORDER BY id`);
      const byId = Object.fromEntries(read.map(fromRow).map((r) => [r.id, r]));
      expect(byId.old!.request).toBeNull();
      expect(byId.old!.request_params).toBeNull();
      expect(byId.old!.response).toBeNull();
      expect(byId.old!.cost_usd).toBe(makeTrace().cost_usd);
      expect((byId.new!.request as any)[0].content).toBe("new prompt");
      // The same setting again changes nothing (a changed column TTL rewrites parts); 0 removes it.
      lines.length = 0;
      await migrate(client, db, { ...opts, contentTtlDays: 7, log: (l) => lines.push(l) });
      expect(lines.filter((l) => l.includes("prompts and answers"))).toEqual([]);
      await migrate(client, db, { ...opts, contentTtlDays: 0 });
      const [create] = await queryRows<{ statement: string }>(client, `SHOW CREATE TABLE ${qualified(db, TABLE.traces)}`);
      expect(create!.statement).not.toMatch(/`request`[^\n]*TTL/);
    });

    test("a content column added by a later migration gets the content TTL the others already have", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      await migrate(client, db, { ...opts, contentTtlDays: 7, upTo: 7 });
      const lines: string[] = [];
      await migrate(client, db, { ...opts, contentTtlDays: 7, log: (l) => lines.push(l) });
      expect(lines).toContain("clickhouse: prompts and answers kept 7 days");
      const [create] = await queryRows<{ statement: string }>(client, `SHOW CREATE TABLE ${qualified(db, TABLE.traces)}`);
      for (const column of ["request", "request_params", "response"])
        expect(create!.statement).toMatch(new RegExp(`\`${column}\`[^\\n]*TTL[^\\n]*toIntervalDay\\(7\\)`));
    });

    test("a server older than 22.3 is refused before anything is created, with the version it needs", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      // The engine as it is, except that it says it is Debian's 18.16.
      const old = new Proxy(client, {
        get(target, prop) {
          const v = Reflect.get(target, prop);
          if (prop === "query")
            return (params: any) => (v as any).call(target, /version\(\)/.test(params.query) ? { ...params, query: "SELECT '18.16.1' AS v" } : params);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      await expect(migrate(old, db, opts)).rejects.toThrow("ClickHouse 18.16.1 is too old: opentracy needs 22.3 or later");
      expect(await count(client, `SELECT count() FROM system.databases WHERE name = '${db}'`)).toBe(0);
    });

    test("a traces table with the pre-22.3 columns is refused instead of filled with rows it would reject", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      await client.command({ query: `CREATE DATABASE ${db}` });
      await client.command({ query: `CREATE TABLE ${qualified(db, TABLE.traces)} (id String, ts_start UInt64) ENGINE = MergeTree ORDER BY id` });
      await expect(migrate(client, db, opts)).rejects.toThrow("has ts_start UInt64");
      expect(await count(client, `SELECT count() FROM system.tables WHERE database = '${db}'`)).toBe(1);
    });
  });
}
