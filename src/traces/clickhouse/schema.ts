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
  settings: "settings",
  audit: "settings_audit",
} as const;

/** Server-side insert deduplication remembers this many recent blocks per table. */
export const DEDUP_WINDOW = 1000;

export type Step =
  | { kind: "sql"; sql: string }
  /** An INSERT ... SELECT that must run once: the fixed token makes a second run (a racing engine) a no-op. */
  | { kind: "insert_once"; sql: string; token: string };

export interface Migration {
  version: number;
  name: string;
  steps: (db: string) => Step[];
}

const sql = (s: string): Step => ({ kind: "sql", sql: s.replace(/\s+/g, " ").trim() });

const lc = (t: string) => `LowCardinality(${t})`;
const ZSTD = " CODEC(ZSTD(3))";
const TIME = "DateTime64(3, 'UTC')";
const SETTINGS = `SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}`;

/** ISO-8601 with milliseconds and `Z`, exactly as the trace record has it (NULL stays NULL). */
const iso = (col: string) => `concat(replaceOne(toString(${col}), ' ', 'T'), 'Z')`;

function tracesTable(db: string): string {
  const cols = [
    `id String`,
    `ts_start ${TIME}`,
    `ts_first_byte Nullable(${TIME})`,
    `ts_end ${TIME}`,
    `alias ${lc("Nullable(String)")}`,
    `requested_model ${lc("String")}`,
    `selected_model ${lc("Nullable(String)")}`,
    `provider ${lc("Nullable(String)")}`,
    `status ${lc("String")}`,
    `http_status UInt16`,
    `error_type ${lc("Nullable(String)")}`,
    `error_message Nullable(String)${ZSTD}`,
    `stream Bool`,
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
    `attempts String${ZSTD}`,
    `request Nullable(String)${ZSTD}`,
    `response Nullable(String)${ZSTD}`,
    // What answered, or what was asked for when nothing did: the "one model" of dashboards.
    `model ${lc("String")} MATERIALIZED ifNull(selected_model, requested_model)`,
    // The spool frame the row came from: how a replay finds out whether a batch already landed.
    `batch_id String${ZSTD}`,
    // When the row reached ClickHouse: the follow cursor of `traces tail` (late rows included).
    `inserted_at ${TIME} DEFAULT now64(3)`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.traces)} (${cols.join(", ")})
    ENGINE = MergeTree
    PARTITION BY toYYYYMM(toDate(ts_start))
    ORDER BY (toDate(ts_start), model, ts_start, id)
    ${SETTINGS}`;
}

const SUM_COLUMNS = ["errors", "unpriced", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"] as const;
export const QUANTILES = [0.5, 0.9, 0.99] as const;
const Q = QUANTILES.join(", ");

function hourlyTable(db: string): string {
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
    ${SETTINGS}`;
}

function hourlySelect(db: string): string {
  return `SELECT
      toDateTime(toStartOfHour(ts_start), 'UTC') AS hour,
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
 * plus `ts_start_ms`, `inserted_ms` and `day` for cursors and pruning: what
 * `traces tail` reads, and what a UI can read.
 */
function recordsView(db: string, version: number): string {
  const token =
    (version >= 4 ? "token_name, " : "") +
    (version >= 5 ? "user, session_id, tags, " : "") +
    (version >= 7 ? "api, " : "") +
    (version >= 8 ? "request_params, " : "");
  // The inner query renames the columns the outer one converts: an alias equal to a column's
  // name would be substituted into every other expression that reads that column.
  return `CREATE VIEW IF NOT EXISTS ${qualified(db, TABLE.records)} AS SELECT
      id, ${iso("_ts_start")} AS ts_start, ${iso("_ts_first_byte")} AS ts_first_byte, ${iso("_ts_end")} AS ts_end,
      alias, requested_model, selected_model, provider, status, http_status, error_type, error_message,
      toUInt8(_stream) AS stream,
      input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms,
      finish_reason, tool_calls, attempts, request, response, ${token}
      model,
      toUnixTimestamp64Milli(_ts_start) AS ts_start_ms,
      toUnixTimestamp64Milli(_inserted_at) AS inserted_ms,
      day
    FROM (SELECT
      id, ts_start AS _ts_start, ts_first_byte AS _ts_first_byte, ts_end AS _ts_end,
      alias, requested_model, selected_model, provider, status, http_status, error_type, error_message,
      stream AS _stream,
      input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd, latency_ms, ttft_ms,
      finish_reason, tool_calls, attempts, request, response, ${token}
      model, inserted_at AS _inserted_at, toDate(ts_start) AS day
      FROM ${qualified(db, TABLE.traces)})`;
}

/**
 * Keys (sealed in the engine; never plain text), aliases and tokens (hashes) that every engine on
 * this database shares: one row per change, the newest `version` (epoch microseconds) of a
 * (kind, name) wins and `deleted` tombstones it. Readers take argMax per key rather than FINAL, so
 * an unmerged part never shows an old value.
 */
export function settingsTable(db: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.settings)} (
      kind LowCardinality(String), name String, value String${ZSTD}, deleted UInt8,
      version UInt64, updated_by String
    ) ENGINE = ReplacingMergeTree(version) ORDER BY (kind, name)`.replace(/\s+/g, " ");
}

/** Who changed which setting when; never a key. */
export function auditTable(db: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.audit)} (
      ts ${TIME}, actor String, action LowCardinality(String), target String, detail Nullable(String)
    ) ENGINE = MergeTree ORDER BY ts`.replace(/\s+/g, " ");
}

export function migrationsTable(db: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(db, TABLE.migrations)} (
      version UInt32, name String, engine_version String, applied_at DateTime('UTC')
    ) ENGINE = ReplacingMergeTree ORDER BY version`.replace(/\s+/g, " ");
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "traces table", steps: (db) => [sql(tracesTable(db))] },
  {
    version: 2,
    name: "hourly aggregate per model",
    steps: (db) => [
      sql(hourlyTable(db)),
      // Backfill before the view exists, so rows already in `traces` count once and rows
      // inserted from here on are counted by the view alone (this engine writes nothing until
      // its migrations are done).
      {
        kind: "insert_once",
        sql: `INSERT INTO ${qualified(db, TABLE.hourly)} ${hourlySelect(db)}`.replace(/\s+/g, " "),
        token: "opentracy-migration-2-backfill",
      },
      sql(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualified(db, TABLE.hourlyMv)} TO ${qualified(db, TABLE.hourly)} AS ${hourlySelect(db)}`),
      sql(hourlyStatsView(db)),
    ],
  },
  { version: 3, name: "trace_records view", steps: (db) => [sql(recordsView(db, 3))] },
  {
    version: 4,
    name: "token_name: which engine token made the call",
    steps: (db) => [
      sql(`ALTER TABLE ${qualified(db, TABLE.traces)} ADD COLUMN IF NOT EXISTS token_name ${lc("Nullable(String)")}`),
      // Replaced rather than altered: a plain view has no ALTER that adds a column.
      sql(`DROP VIEW IF EXISTS ${qualified(db, TABLE.records)}`),
      sql(recordsView(db, 4)),
    ],
  },
  {
    version: 5,
    name: "user, session_id, tags: who and what a call belongs to",
    steps: (db) => [
      // Old rows read as NULL / {}: the defaults of the new columns.
      sql(`ALTER TABLE ${qualified(db, TABLE.traces)} ADD COLUMN IF NOT EXISTS user Nullable(String)${ZSTD}`),
      sql(`ALTER TABLE ${qualified(db, TABLE.traces)} ADD COLUMN IF NOT EXISTS session_id Nullable(String)${ZSTD}`),
      sql(`ALTER TABLE ${qualified(db, TABLE.traces)} ADD COLUMN IF NOT EXISTS tags Map(String, String)${ZSTD}`),
      sql(`DROP VIEW IF EXISTS ${qualified(db, TABLE.records)}`),
      sql(recordsView(db, 5)),
    ],
  },
  {
    version: 6,
    name: "shared settings: sealed keys, aliases, tokens, and their audit log",
    steps: (db) => [sql(settingsTable(db)), sql(auditTable(db))],
  },
  {
    version: 7,
    name: "api: the API a call came in through (chat, embeddings, messages)",
    steps: (db) => [
      // Rows written before it existed were all chat completions: the default says so.
      sql(`ALTER TABLE ${qualified(db, TABLE.traces)} ADD COLUMN IF NOT EXISTS api ${lc("String")} DEFAULT 'chat'`),
      sql(`DROP VIEW IF EXISTS ${qualified(db, TABLE.records)}`),
      sql(recordsView(db, 7)),
    ],
  },
  {
    version: 8,
    name: "request_params: the chat request's other fields (tools, response_format, …), for export and replay",
    steps: (db) => [
      sql(`ALTER TABLE ${qualified(db, TABLE.traces)} ADD COLUMN IF NOT EXISTS request_params Nullable(String)${ZSTD}`),
      sql(`DROP VIEW IF EXISTS ${qualified(db, TABLE.records)}`),
      sql(recordsView(db, 8)),
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The TTL clause for `traces`, or null for "keep forever". */
export function ttlClause(days: number): string | null {
  return days > 0 ? `toDateTime(ts_start) + toIntervalDay(${Math.floor(days)})` : null;
}
