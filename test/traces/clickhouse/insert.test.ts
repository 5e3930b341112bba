import { afterAll, describe, expect, test } from "bun:test";
import { httpInserter } from "../../../src/traces/clickhouse/insert.ts";
import { migrate } from "../../../src/traces/clickhouse/migrate.ts";
import { rowsText } from "../../../src/traces/clickhouse/rows.ts";
import { TABLE } from "../../../src/traces/clickhouse/schema.ts";
import { qualified } from "../../../src/traces/clickhouse/sql.ts";
import { parseClickHouseUrl } from "../../../src/traces/clickhouse/url.ts";
import { backends, count, uniqueDatabase } from "../../helpers/clickhouse.ts";
import { makeTrace } from "../../helpers/trace-factory.ts";

for (const b of backends()) {
  describe(`inserting rows into ${b.name}`, () => {
    afterAll(() => b.close());

    test("rows land; rows the server cannot parse are refused with its numeric error code", async () => {
      const client = await b.client();
      const db = uniqueDatabase();
      await migrate(client, db, { engineVersion: "test" });
      const insert = await b.inserter(db);
      const records = [makeTrace({ request: [{ role: "user", content: 'line\nbreak "quoted" ☃' }] }), makeTrace()];
      await insert(TABLE.traces, rowsText(records, "batch-1"), { queryId: `test-${db}-1`, dedupToken: "batch-1" });
      expect(await count(client, `SELECT count() FROM ${qualified(db, TABLE.traces)} WHERE batch_id = 'batch-1'`)).toBe(2);

      const bad = rowsText([makeTrace()], "batch-2").replace(/"http_status":\d+/, '"http_status":"not a number"');
      const err: any = await insert(TABLE.traces, bad, { queryId: `test-${db}-2`, dedupToken: "batch-2" }).then(
        () => null,
        (e) => e,
      );
      expect(err).not.toBeNull();
      // 27, CANNOT_PARSE_INPUT_ASSERTION_FAILED: one of the codes the sink sets a batch aside for.
      expect(Number(err.code)).toBe(27);
      expect(String(err.message)).toContain("Cannot parse input");
      expect(await count(client, `SELECT count() FROM ${qualified(db, TABLE.traces)}`)).toBe(2);
    });

    if (b.server)
      test("over HTTP, a wrong password is refused with the server's code, and the error never holds a password", async () => {
        const running = await b.server!();
        const target = parseClickHouseUrl(`${running.url}/default`);
        const insert = httpInserter({ ...target, password: "not-the-password-42" });
        const err: any = await insert(TABLE.traces, "{}\n", { queryId: "test-auth", dedupToken: "auth" }).then(
          () => null,
          (e) => e,
        );
        // 516 AUTHENTICATION_FAILED: not a data error, so a sink with a bad password spools and
        // waits instead of setting traces aside as unparseable.
        expect(err?.code).toBe(516);
        expect(String(err.message)).not.toContain("not-the-password-42");
        expect(String(err.message)).not.toContain(target.password);
      });
  });
}

describe("inserting over HTTP", () => {
  test("a server that never answers is given up on after the timeout", async () => {
    let received = 0;
    const silent = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => {
        received++;
        return new Promise<Response>(() => {});
      },
    });
    try {
      const insert = httpInserter({ origin: `http://127.0.0.1:${silent.port}`, username: "default", password: "", database: "db", display: "x" }, 200);
      const err: any = await insert(TABLE.traces, "{}\n", { queryId: "q", dedupToken: "q" }).then(
        () => null,
        (e) => e,
      );
      expect(err?.name).toBe("TimeoutError");
      expect(received).toBe(1);
    } finally {
      silent.stop(true);
    }
  });

  test("the caller's abort signal cancels the insert", async () => {
    const silent = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
    try {
      const insert = httpInserter({ origin: `http://127.0.0.1:${silent.port}`, username: "default", password: "", database: "db", display: "x" }, 60_000);
      const ctl = new AbortController();
      const pending = insert(TABLE.traces, "{}\n", { queryId: "q", dedupToken: "q", signal: ctl.signal }).then(
        () => null,
        (e) => e,
      );
      ctl.abort();
      expect((await pending)?.name).toBe("AbortError");
    } finally {
      silent.stop(true);
    }
  });
});
