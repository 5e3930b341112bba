import type { ClickHouseClient } from "@clickhouse/client";
import { DEFAULT_TIMEOUT_MS } from "./client.ts";
import { qualified } from "./sql.ts";
import type { ClickHouseTarget } from "./url.ts";

export interface InsertOptions {
  /** Shown in system.processes while the insert runs, so a replay can wait for it. */
  queryId: string;
  /** insert_deduplication_token: a second insert with the same token is a no-op. */
  dedupToken: string;
  signal?: AbortSignal;
}

/** Inserts JSONEachRow text (one row per line) into a table. */
export type Inserter = (table: string, rows: string, o: InsertOptions) => Promise<void>;

/** An error ClickHouse answered with; `code` is its numeric error code when it gave one. */
export class ClickHouseInsertError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
  }
}

/**
 * A ClickHouse error code: the one given (a header, a driver's `code`) or else the one in the
 * text ("Code: 27. DB::Exception: …"), for an error that passed through something else first.
 */
export function clickHouseCode(given: unknown, text: string): number | null {
  const code = Number(given ?? /Code:\s*(\d+)/.exec(text)?.[1]);
  return Number.isInteger(code) && code > 0 ? code : null;
}

/**
 * Inserts by POSTing the text to ClickHouse's HTTP interface with fetch. The official client
 * streams the body through node:http, which under Bun costs about as much CPU as building the rows
 * (18 against 10 µs per trace for batches of 800, measured in one process against Debian's
 * server); the client stays for queries, where that does not add up.
 */
export function httpInserter(target: ClickHouseTarget, timeoutMs = DEFAULT_TIMEOUT_MS): Inserter {
  const headers = {
    authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString("base64")}`,
    "content-type": "application/x-ndjson",
    "user-agent": "opentracy",
  };
  return async (table, rows, o) => {
    const params = new URLSearchParams({
      query: `INSERT INTO ${qualified(target.database, table)} FORMAT JSONEachRow`,
      query_id: o.queryId,
      insert_deduplication_token: o.dedupToken,
    });
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(`${target.origin}/?${params}`, {
      method: "POST",
      headers,
      body: rows,
      signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
    });
    const text = await res.text();
    if (res.ok) return;
    throw new ClickHouseInsertError(text.trim() || `HTTP ${res.status}`, clickHouseCode(res.headers.get("x-clickhouse-exception-code"), text));
  };
}

/** Through a client (the embedded chDB connection tests use): the rows ride in the query text. */
export function clientInserter(client: ClickHouseClient, database: string): Inserter {
  return async (table, rows, o) => {
    await client.command({
      query: `INSERT INTO ${qualified(database, table)} FORMAT JSONEachRow\n${rows}`,
      query_id: o.queryId,
      abort_signal: o.signal,
      clickhouse_settings: { insert_deduplication_token: o.dedupToken } as any,
    });
  };
}
