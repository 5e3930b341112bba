import type { Layout } from "./layout.ts";
import { qualified } from "./sql.ts";

/**
 * The ClickHouse schema, as versioned migrations. A migration is only ever appended, never
 * edited once released: a database records the versions it has, and an engine applies the ones
 * it is missing, in order. Every step is idempotent (IF NOT EXISTS, or checked first), so an
 * engine that died half-way, or two engines starting at once, converge on the same schema.
 */

export const TABLE = {
  traces: "traces",
  hourly: "traces_hourly",
  hourlyMv: "traces_hourly_mv",
  hourlyStats: "traces_hourly_stats",
  records: "trace_records",
  migrations: "opentracy_migrations",
} as const;

/** Server-side insert deduplication remembers this many recent blocks per table (modern layout). */
export const DEDUP_WINDOW = 1000;

export type Step =
  | { kind: "sql"; sql: string }
  /** ALTER ... ADD COLUMN, skipped when the column exists (18.16 has no ADD COLUMN IF NOT EXISTS). */
  | { kind: "add_column"; table: string; column: string; definition: string }
  /**
   * An INSERT ... SELECT that must run once. On the modern layout the fixed token makes a second
   * run (a racing engine) a no-op; see the README on the legacy layout.
   */
  | { kind: "insert_once"; sql: string; token: string };

export interface Migration {
  version: number;
  name: string;
  steps: (db: string, layout: Layout) => Step[];
}

const sql = (s: string): Step => ({ kind: "sql", sql: s.replace(/\s+/g, " ").trim() });

/** Column types per layout; see layout.ts for why legacy differs. */
function types(layout: Layout) {
  const modern = layout === "modern";
  const lc = (t: string) => (modern ? `LowCardinality(${t})` : t);
  const zstd = modern ? " CODEC(ZSTD(3))" : "";
  const time = modern ? "DateTime64(3, 'UTC')" : "UInt64";
  return { lc, zstd, time, bool: modern ? "Bool" : "UInt8" };
}

/** Start of the trace's hour as DateTime('UTC'), from a `ts_start` of either layout. */
function hourOf(layout: Layout, col = "ts_start"): string {
  return layout === "modern" ? `toDateTime(toStartOfHour(${col}), 'UTC')` : `toStartOfHour(toDateTime(intDiv(${col}, 1000), 'UTC'))`;
}

/** ISO-8601 with milliseconds and `Z`, exactly as the trace record has it (NULL stays NULL). */
function iso(layout: Layout, col: string): string {
  if (layout === "modern") return `concat(replaceOne(toString(${col}), ' ', 'T'), 'Z')`;
  return `concat(replaceOne(toString(toDateTime(intDiv(${col}, 1000), 'UTC')), ' ', 'T'), '.', substring(toString(1000 + ${col} % 1000), 2, 3), 'Z')`;
}

function millis(layout: Layout, col: string): string {
  return layout === "modern" ? `toUnixTimestamp64Milli(${col})` : col;
}

function tracesTable(db: string, layout: Layout): string {
  const { lc, zstd, time, bool } = types(layout);
  const modern = layout === "modern";
  const cols = [
    `id String`,
    `ts_start ${time}`,
    `ts_first_byte Nullable(${time})`,
    `ts_end ${time}`,
    `alias ${lc("Nullable(String)")}`,
    `requested_model ${lc("String")}`,
    `selected_model ${lc("Nullable(String)")}`,
    `provider ${lc("Nullable(String)")}`,
    `status ${lc("String")}`,
    `http_status UInt16`,
    `error_type ${lc("Nullable(String)")}`,
    `error_message Nullable(String)${zstd}`,
    `stream ${bool}`,
    `input_tokens Nullable(UInt32)`,
    `output_tokens Nullable(UInt32)`,
    `cached_tokens Nullable(UInt32)`,
    `reasoning_tokens Nullable(UInt32)`,
    `cost_usd Nullable(Float64)`,
    `latency_ms Float64`,
    `ttft_ms Nullable(Float64)`,
    `finish_reason ${lc("Nullable(String)")}`,
    `tool_calls UInt16`,
    // JSON text: read with JSONExtract*; a Nested column would not survive schema changes of the record.
    `attempts String${zstd}`,
    `request Nullable(String)${zstd}`,
    `response Nullable(String)${zstd}`,
    // What answered, or what was asked for when nothing did: the "one model" of dashboards.
    `model ${lc("String")} MATERIALIZED ifNull(selected_model, requested_model)`,
    ...(modern ? [] : [`day Date MATERIALIZED toDate(toDateTime(intDiv(ts_start, 1000)), 'UTC')`]),
    // The spool frame the row came from: how a replay finds out whether a batch already landed.
    `batch_id String${zstd}`,
    // When the row reached ClickHouse: the follow cursor of `traces tail` (late rows included).
    modern ? `inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)` : `inserted_at UInt64 DEFAULT toUInt64(now()) * 1000`,
  ];
  const day = modern ? "toDate(ts_start)" : "day";
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.traces)} (${cols.join(", ")})
    ENGINE = MergeTree
    PARTITION BY toYYYYMM(${day})
    ORDER BY (${day}, model, ts_start, id)
    ${modern ? `SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}` : ""}`;
}

const SUM_COLUMNS = ["errors", "unpriced", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"] as const;
export const QUANTILES = [0.5, 0.9, 0.99] as const;
const Q = QUANTILES.join(", ");

function hourlyTable(db: string, layout: Layout): string {
  const { lc } = types(layout);
  // State columns are named *_state: a result alias equal to a source column's name would be
  // substituted into the aggregate's own argument.
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.hourly)} (
      hour DateTime('UTC'),
      model ${lc("String")},
      requests_state AggregateFunction(count),
      ${SUM_COLUMNS.map((c) => `${c}_state AggregateFunction(sum, UInt64)`).join(", ")},
      cost_usd_state AggregateFunction(sum, Float64),
      latency_ms_state AggregateFunction(quantiles(${Q}), Float64)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(hour)
    ORDER BY (hour, model)
    ${layout === "modern" ? `SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}` : ""}`;
}

function hourlySelect(db: string, layout: Layout): string {
  return `SELECT
      ${hourOf(layout)} AS hour,
      model,
      countState() AS requests_state,
      sumState(toUInt64(status = 'error')) AS errors_state,
      sumState(toUInt64(status = 'ok' AND isNull(cost_usd))) AS unpriced_state,
      sumState(toUInt64(ifNull(input_tokens, 0))) AS input_tokens_state,
      sumState(toUInt64(ifNull(output_tokens, 0))) AS output_tokens_state,
      sumState(toUInt64(ifNull(cached_tokens, 0))) AS cached_tokens_state,
      sumState(toUInt64(ifNull(reasoning_tokens, 0))) AS reasoning_tokens_state,
      sumState(ifNull(cost_usd, 0)) AS cost_usd_state,
      quantilesState(${Q})(latency_ms) AS latency_ms_state
    FROM ${qualified(db, TABLE.traces)}
    GROUP BY hour, model`;
}

function hourlyStatsView(db: string): string {
  return `CREATE VIEW IF NOT EXISTS ${qualified(db, TABLE.hourlyStats)} AS SELECT
      hour,
      model,
      countMerge(requests_state) AS requests,
      ${SUM_COLUMNS.map((c) => `sumMerge(${c}_state) AS ${c}`).join(", ")},
      sumMerge(cost_usd_state) AS cost_usd,
      quantilesMerge(${Q})(latency_ms_state) AS latency_ms_quantiles
    FROM ${qualified(db, TABLE.hourly)}
    GROUP BY hour, model`;
}

/**
 * Trace records in the record's own shape (ISO timestamps, JSON text for attempts and content)
 * on either layout, plus `ts_start_ms`, `inserted_ms` and `day` for cursors and pruning: what
 * `traces tail` reads, and what a UI can read.
 */
function recordsView(db: string, layout: Layout, withToken = false): string {
  const token = withToken ? "token_name, " : "";
  // The inner query renames the columns the outer one converts: an alias equal to a column's
  // name would be substituted into every other expression that reads that column.
  return `CREATE VIEW IF NOT EXISTS ${qualified(db, TABLE.records)} AS SELECT
      id, ${iso(layout, "_ts_start")} AS ts_start, ${iso(layout, "_ts_first_byte")} AS ts_first_byte, ${iso(layout, "_ts_end")} AS ts_end,
      alias, requested_model, selected_model, provider, status, http_status, error_type, error_message,
      toUInt8(_stream) AS stream,
      input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms,
      finish_reason, tool_calls, attempts, request, response, ${token}
      model,
      ${millis(layout, "_ts_start")} AS ts_start_ms,
      ${millis(layout, "_inserted_at")} AS inserted_ms,
      day
    FROM (SELECT
      id, ts_start AS _ts_start, ts_first_byte AS _ts_first_byte, ts_end AS _ts_end,
      alias, requested_model, selected_model, provider, status, http_status, error_type, error_message,
      stream AS _stream,
      input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms,
      finish_reason, tool_calls, attempts, request, response, ${token}
      model, inserted_at AS _inserted_at, ${layout === "modern" ? "toDate(ts_start)" : "day"} AS day
      FROM ${qualified(db, TABLE.traces)})`;
}

export function migrationsTable(db: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.migrations)} (
      version UInt32, name String, layout String, engine_version String, applied_at DateTime('UTC')
    ) ENGINE = ReplacingMergeTree ORDER BY version`.replace(/\s+/g, " ");
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "traces table", steps: (db, layout) => [sql(tracesTable(db, layout))] },
  {
    version: 2,
    name: "hourly aggregate per model",
    steps: (db, layout) => [
      sql(hourlyTable(db, layout)),
      // Backfill before the view exists, so rows already in `traces` count once and rows
      // inserted from here on are counted by the view alone (this engine writes nothing until
      // its migrations are done).
      {
        kind: "insert_once",
        sql: `INSERT INTO ${qualified(db, TABLE.hourly)} ${hourlySelect(db, layout)}`.replace(/\s+/g, " "),
        token: "opentracy-migration-2-backfill",
      },
      sql(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualified(db, TABLE.hourlyMv)} TO ${qualified(db, TABLE.hourly)} AS ${hourlySelect(db, layout)}`),
      sql(hourlyStatsView(db)),
    ],
  },
  { version: 3, name: "trace_records view", steps: (db, layout) => [sql(recordsView(db, layout))] },
  {
    version: 4,
    name: "token_name: which engine token made the call",
    steps: (db, layout) => [
      { kind: "add_column", table: TABLE.traces, column: "token_name", definition: `${types(layout).lc("Nullable(String)")}` },
      // A view cannot gain a column in place on every server version: replace it (18.16 knows
      // only DROP TABLE, which drops views too).
      sql(`DROP TABLE IF EXISTS ${qualified(db, TABLE.records)}`),
      sql(recordsView(db, layout, true)),
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The TTL clause for `traces` (modern layout only), or null for "keep forever". */
export function ttlClause(days: number): string | null {
  return days > 0 ? `toDateTime(ts_start) + toIntervalDay(${Math.floor(days)})` : null;
}
