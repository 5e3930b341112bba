import type { ClickHouseClient } from "@clickhouse/client";
import {
  type Activity,
  type ActivityQuery,
  BREAKDOWN_LIMIT,
  BUCKETS,
  type TraceListQuery,
  type TracePage,
  type SpendRow,
  type TraceQueries,
  type TraceSummary,
} from "../queries.ts";
import type { TraceRecord } from "../record.ts";
import { fromRow, RECORD_COLUMNS } from "./rows.ts";
import { TABLE } from "./schema.ts";
import { qualified } from "./sql.ts";

/**
 * The UI's queries in ClickHouse: filters, keyset paging and the aggregations (quantiles
 * included) run on the server. Every value the caller chose travels as a query parameter
 * (`{name:Type}`, the client's query_params), never inside the SQL text; what is interpolated
 * is only our own table names, fixed column expressions and integers.
 */

type Params = Record<string, unknown>;

const ms = (name: string) => `fromUnixTimestamp64Milli(toInt64({${name}:Int64}), 'UTC')`;

function filters(q: Partial<TraceListQuery>): { sql: string; params: Params } {
  const parts: string[] = [];
  const params: Params = {};
  if (q.sinceMs !== undefined) {
    parts.push(`ts_start >= ${ms("since")}`);
    params.since = q.sinceMs;
  }
  if (q.untilMs !== undefined) {
    parts.push(`ts_start < ${ms("until")}`);
    params.until = q.untilMs;
  }
  const eq = (col: string, name: string, value: string | undefined) => {
    if (!value) return;
    parts.push(`${col} = {${name}:String}`);
    params[name] = value;
  };
  if (q.model) {
    parts.push("(requested_model = {model:String} OR selected_model = {model:String})");
    params.model = q.model;
  }
  eq("provider", "provider", q.provider);
  eq("alias", "alias", q.alias);
  eq("status", "status", q.status);
  eq("token_name", "token", q.token);
  eq("user", "user", q.user);
  eq("session_id", "session", q.session);
  if (q.tag) {
    parts.push("mapContains(tags, {tag_key:String}) AND tags[{tag_key:String}] = {tag_value:String}");
    params.tag_key = q.tag.key;
    params.tag_value = q.tag.value;
  }
  if (q.q) {
    parts.push("(positionCaseInsensitiveUTF8(ifNull(request, ''), {q:String}) > 0 OR positionCaseInsensitiveUTF8(ifNull(response, ''), {q:String}) > 0)");
    params.q = q.q;
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}

const ISO = "concat(replaceOne(toString(ts_start), ' ', 'T'), 'Z')";

const SUMMARY = `id, ${ISO} AS ts_iso, toUnixTimestamp64Milli(ts_start) AS ts_ms, requested_model, selected_model, alias, provider,
  status, http_status, input_tokens, output_tokens, cost_usd, latency_ms, ttft_ms, token_name, user, session_id, tags, error_type`;

const num = (v: unknown) => Number(v ?? 0);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
/** A quantile over no rows is NaN (nan in JSON text): none. */
const quantile = (v: unknown) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v));

function summary(r: Record<string, any>): TraceSummary {
  return {
    id: r.id,
    ts_start: r.ts_iso,
    requested_model: r.requested_model,
    selected_model: r.selected_model ?? null,
    alias: r.alias ?? null,
    provider: r.provider ?? null,
    status: r.status,
    http_status: num(r.http_status),
    input_tokens: numOrNull(r.input_tokens),
    output_tokens: numOrNull(r.output_tokens),
    cost_usd: numOrNull(r.cost_usd),
    latency_ms: num(r.latency_ms),
    ttft_ms: numOrNull(r.ttft_ms),
    token_name: r.token_name ?? null,
    user: r.user ?? null,
    session_id: r.session_id ?? null,
    tags: r.tags ?? {},
    error_type: r.error_type ?? null,
  };
}

const BREAKDOWN_KEY: Record<ActivityQuery["by"], string> = {
  model: "model",
  provider: "provider",
  alias: "alias",
  token: "token_name",
  user: "user",
  // A trace with several tags counts once under each; one without tags under none.
  tag: "arrayJoin(arrayMap((k, v) -> concat(k, '=', v), mapKeys(tags), mapValues(tags)))",
};

const SUMS = `count() AS requests, countIf(status = 'error') AS errors,
  sum(ifNull(input_tokens, 0)) AS input_tokens, sum(ifNull(output_tokens, 0)) AS output_tokens,
  sum(ifNull(cached_tokens, 0)) AS cached_tokens, sum(ifNull(cost_usd, 0)) AS cost_usd,
  quantiles(0.5, 0.95)(latency_ms) AS q`;

export class ClickHouseTraceQueries implements TraceQueries {
  private readonly table: string;
  private readonly view: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.table = qualified(database, TABLE.traces);
    this.view = qualified(database, TABLE.records);
  }

  private async rows(query: string, params: Params): Promise<Record<string, any>[]> {
    const rs = await this.client.query({ query, query_params: params, format: "JSONEachRow" });
    return (await rs.json()) as Record<string, any>[];
  }

  async list(q: TraceListQuery): Promise<TracePage> {
    const f = filters(q);
    let where = f.sql;
    if (q.cursor) {
      // The ORDER BY's own tuple: the page after a row is everything strictly below it.
      where += ` AND (ts_start, id) < (${ms("cursor_ts")}, {cursor_id:String})`;
      f.params.cursor_ts = q.cursor.tsMs;
      f.params.cursor_id = q.cursor.id;
    }
    const rows = await this.rows(`SELECT ${SUMMARY} FROM ${this.table} WHERE ${where} ORDER BY ts_start DESC, id DESC LIMIT ${Math.floor(q.limit)}`, f.params);
    const last = rows.at(-1);
    return { rows: rows.map(summary), next: rows.length === q.limit && last ? { tsMs: Number(last.ts_ms), id: last.id } : null };
  }

  async get(id: string, token?: string): Promise<TraceRecord | null> {
    const params: Params = { id };
    let where = "id = {id:String}";
    if (token !== undefined) {
      where += " AND token_name = {token:String}";
      params.token = token;
    }
    const [row] = await this.rows(`SELECT ${RECORD_COLUMNS.join(", ")} FROM ${this.view} WHERE ${where} LIMIT 1`, params);
    return row ? fromRow(row) : null;
  }

  async spendByToken(sinceMs: number): Promise<SpendRow[]> {
    const rows = await this.rows(
      `SELECT token_name AS token, sum(ifNull(cost_usd, 0)) AS spent, countIf(cost_usd IS NULL AND status = 'ok') AS unpriced
       FROM ${this.table} WHERE ts_start >= ${ms("since")} AND token_name IS NOT NULL GROUP BY token_name`,
      { since: sinceMs },
    );
    return rows.map((r) => ({ token: String(r.token), cost_usd: num(r.spent), unpriced: num(r.unpriced) }));
  }

  async activity(q: ActivityQuery): Promise<Activity> {
    const f = filters({ sinceMs: q.sinceMs, untilMs: q.untilMs, token: q.token });
    // One tag's values only: the rows without that tag are left out of the breakdown alone.
    const byKey = q.by === "tag" && q.tagKey !== undefined;
    const breakdownKey = byKey ? "concat({by_tag_key:String}, '=', tags[{by_tag_key:String}])" : BREAKDOWN_KEY[q.by];
    const breakdownWhere = byKey ? `${f.sql} AND mapContains(tags, {by_tag_key:String})` : f.sql;
    const breakdownParams = byKey ? { ...f.params, by_tag_key: q.tagKey! } : f.params;
    const size = BUCKETS[q.bucket];
    const [buckets, [totals], breakdown] = await Promise.all([
      this.rows(
        `SELECT intDiv(toUnixTimestamp64Milli(ts_start), ${size}) * ${size} AS t, ${SUMS}
         FROM ${this.table} WHERE ${f.sql} GROUP BY t ORDER BY t`,
        f.params,
      ),
      this.rows(`SELECT ${SUMS} FROM ${this.table} WHERE ${f.sql}`, f.params),
      this.rows(
        `SELECT ${breakdownKey} AS key, ${SUMS}
         FROM ${this.table} WHERE ${breakdownWhere} GROUP BY key ORDER BY requests DESC, key LIMIT ${BREAKDOWN_LIMIT}`,
        breakdownParams,
      ),
    ]);
    const sums = (r: Record<string, any>) => ({
      requests: num(r.requests),
      errors: num(r.errors),
      input_tokens: num(r.input_tokens),
      output_tokens: num(r.output_tokens),
      cached_tokens: num(r.cached_tokens),
      cost_usd: num(r.cost_usd),
      p50_ms: quantile(r.q?.[0]),
      p95_ms: quantile(r.q?.[1]),
    });
    return {
      buckets: buckets.map((b) => ({ t: new Date(Number(b.t)).toISOString(), ...sums(b) })),
      breakdown: breakdown.map((b) => ({ key: b.key ?? null, ...sums(b) })),
      totals: totals ? sums(totals) : sums({}),
    };
  }
}
