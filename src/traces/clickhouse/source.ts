import type { ClickHouseClient } from "@clickhouse/client";
import type { TraceFilter } from "../reader.ts";
import type { TraceRecord } from "../record.ts";
import { queryRows } from "./migrate.ts";
import { fromRow, RECORD_COLUMNS } from "./rows.ts";
import { TABLE } from "./schema.ts";
import { qualified, str, strList } from "./sql.ts";

/**
 * `traces tail` over ClickHouse, reading the `trace_records` view.
 *
 * Following uses a cursor on the time a row reached ClickHouse (`inserted_ms`) plus the ids
 * already shown, not on `ts_start`: a trace is written when its request ends, and a spooled one
 * arrives long after it started, so a `ts_start` cursor would step over both. Each poll asks
 * only for the ids inserted since the cursor, less a short look-back (concurrent inserts commit
 * out of order), then fetches the full rows of the ids it has not shown yet.
 */

export interface ClickHouseCursor {
  insertedMs: number;
  /** id → inserted_ms of the rows within the look-back already accounted for. */
  seen: Map<string, number>;
}

export interface SourceStats {
  queries: number;
  /** Full trace rows fetched (ids fetched for the cursor are not counted). */
  rowsFetched: number;
}

export interface ClickHouseSourceOptions {
  lookbackMs?: number;
  pollMs?: number;
}

const COLUMNS = RECORD_COLUMNS.join(", ");

export function filterSql(f: TraceFilter): string {
  const parts: string[] = [];
  if (f.model) parts.push(`(requested_model = ${str(f.model)} OR selected_model = ${str(f.model)} OR alias = ${str(f.model)})`);
  if (f.status) parts.push(`status = ${str(f.status)}`);
  if (f.user !== undefined) parts.push(`user = ${str(f.user)}`);
  if (f.session !== undefined) parts.push(`session_id = ${str(f.session)}`);
  if (f.tag) parts.push(`tags[${str(f.tag.key)}] = ${str(f.tag.value)} AND mapContains(tags, ${str(f.tag.key)})`);
  return parts.length ? parts.join(" AND ") : "1";
}

export class ClickHouseTraceSource {
  readonly stats: SourceStats = { queries: 0, rowsFetched: 0 };
  private readonly view: string;
  private readonly lookbackMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    opts: ClickHouseSourceOptions = {},
  ) {
    this.view = qualified(database, TABLE.records);
    this.lookbackMs = opts.lookbackMs ?? 10_000;
    this.pollMs = opts.pollMs ?? 500;
  }

  private async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    this.stats.queries++;
    return queryRows<T>(this.client, sql);
  }

  /** The last `n` matching traces, oldest first, and a cursor that continues right after them. */
  async last(n: number, filter: TraceFilter = {}): Promise<{ records: TraceRecord[]; cursor: ClickHouseCursor }> {
    // The cursor is taken first: whatever lands while the history is read is then either in the
    // history or shown by the follower, never lost in between.
    const [top] = await this.rows<{ m: string | number | null }>(`SELECT max(inserted_ms) AS m FROM ${this.view}`);
    const insertedMs = Number(top?.m ?? 0);
    const where = filterSql(filter);
    let rows: Record<string, unknown>[] = [];
    if (n > 0) {
      // Most tails are about today: try recent days before the whole table.
      for (const days of [1, 31, null]) {
        const recent = days === null ? "" : ` AND day >= today() - ${days}`;
        rows = await this.rows(
          `SELECT ${COLUMNS}, inserted_ms FROM ${this.view} WHERE ${where}${recent} ORDER BY ts_start_ms DESC, id DESC LIMIT ${Math.floor(n)}`,
        );
        if (rows.length >= n) break;
      }
      this.stats.rowsFetched += rows.length;
    }
    const seen = new Map<string, number>();
    for (const r of await this.rows<{ id: string; inserted_ms: string | number }>(
      `SELECT id, inserted_ms FROM ${this.view} WHERE inserted_ms >= ${insertedMs - this.lookbackMs}`,
    )) {
      seen.set(r.id, Number(r.inserted_ms));
    }
    for (const r of rows) seen.set(String(r.id), Number(r.inserted_ms));
    return { records: rows.reverse().map(fromRow), cursor: { insertedMs, seen } };
  }

  /** One poll: the matching traces inserted since the cursor and not shown yet; advances the cursor. */
  async poll(cursor: ClickHouseCursor, filter: TraceFilter = {}): Promise<TraceRecord[]> {
    const since = cursor.insertedMs - this.lookbackMs;
    const ids = await this.rows<{ id: string; inserted_ms: string | number }>(
      `SELECT id, inserted_ms FROM ${this.view} WHERE inserted_ms >= ${since} AND ${filterSql(filter)}`,
    );
    const fresh: string[] = [];
    for (const r of ids) {
      const at = Number(r.inserted_ms);
      if (!cursor.seen.has(r.id)) fresh.push(r.id);
      cursor.seen.set(r.id, at);
      if (at > cursor.insertedMs) cursor.insertedMs = at;
    }
    for (const [id, at] of cursor.seen) if (at < cursor.insertedMs - this.lookbackMs) cursor.seen.delete(id);
    if (fresh.length === 0) return [];
    const out: TraceRecord[] = [];
    // Bounded IN lists keep each query far below the server's query size limit.
    for (let i = 0; i < fresh.length; i += 2000) {
      const rows = await this.rows(
        `SELECT ${COLUMNS} FROM ${this.view} WHERE inserted_ms >= ${since} AND id IN ${strList(fresh.slice(i, i + 2000))} ORDER BY inserted_ms, ts_start_ms, id`,
      );
      this.stats.rowsFetched += rows.length;
      for (const r of rows) out.push(fromRow(r));
    }
    return out;
  }

  /**
   * New traces as they arrive, until `signal` aborts. A failed poll (ClickHouse restarting) is
   * reported through `onError` and retried at the next tick: the cursor has not moved, so
   * nothing is missed.
   */
  async *follow(
    cursor: ClickHouseCursor,
    opts: { filter?: TraceFilter; signal?: AbortSignal; onError?: (e: unknown) => void } = {},
  ): AsyncGenerator<TraceRecord> {
    const { signal } = opts;
    while (!signal?.aborted) {
      let fresh: TraceRecord[] = [];
      try {
        fresh = await this.poll(cursor, opts.filter);
      } catch (e) {
        if (!opts.onError) throw e;
        opts.onError(e);
      }
      for (const r of fresh) yield r;
      if (signal?.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        signal?.addEventListener("abort", done, { once: true });
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        }
      });
    }
  }
}
