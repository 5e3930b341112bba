import type { Database } from "bun:sqlite";

/**
 * The SQLite index beside the local JSON lines. It holds what the UI filters, sorts and sums on,
 * the text of prompts and answers for free-text search, and where each record's line is
 * (segment, byte offset, length): the JSON lines stay the only copy of the record, and the index
 * can always be rebuilt from them. `segments` remembers how far each file has been indexed.
 *
 * A change to this schema bumps VERSION; an index of another version is dropped and rebuilt
 * from the JSON lines by the catch-up, which is cheaper to get right than migrations.
 */
// 2: cached_tokens, for the cache savings on Activity.
export const VERSION = 2;

const SUMMARY_INDEXES = ["token_name", "user", "session_id", "selected_model", "requested_model", "provider", "alias", "status"];

export function createSchema(db: Database): void {
  db.run("PRAGMA journal_mode = WAL");
  // WAL + NORMAL: a crash may lose the last commits, never corrupt; the catch-up re-indexes them.
  db.run("PRAGMA synchronous = NORMAL");
  // `serve --workers`: every worker indexes the same JSON lines into the same file; one waits for another's write.
  db.run("PRAGMA busy_timeout = 5000");
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version !== VERSION) {
    db.run("DROP TABLE IF EXISTS traces");
    db.run("DROP TABLE IF EXISTS trace_tags");
    db.run("DROP TABLE IF EXISTS segments");
  }
  db.run(`CREATE TABLE IF NOT EXISTS traces (
    id TEXT PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    ts_start TEXT NOT NULL,
    requested_model TEXT NOT NULL,
    selected_model TEXT,
    alias TEXT,
    provider TEXT,
    status TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cached_tokens INTEGER,
    cost_usd REAL,
    latency_ms REAL NOT NULL,
    ttft_ms REAL,
    token_name TEXT,
    user TEXT,
    session_id TEXT,
    tags TEXT NOT NULL,
    error_type TEXT,
    content TEXT NOT NULL,
    segment TEXT NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL
  )`);
  // Pages walk (ts_ms, id) backwards; every filter has an index that keeps that order.
  db.run("CREATE INDEX IF NOT EXISTS traces_page ON traces (ts_ms, id)");
  for (const c of SUMMARY_INDEXES) db.run(`CREATE INDEX IF NOT EXISTS traces_${c} ON traces (${c}, ts_ms, id)`);
  db.run(
    "CREATE TABLE IF NOT EXISTS trace_tags (key TEXT NOT NULL, value TEXT NOT NULL, ts_ms INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, value, ts_ms, id)) WITHOUT ROWID",
  );
  db.run("CREATE INDEX IF NOT EXISTS trace_tags_id ON trace_tags (id)");
  db.run("CREATE TABLE IF NOT EXISTS segments (name TEXT PRIMARY KEY, offset INTEGER NOT NULL)");
  db.run(`PRAGMA user_version = ${VERSION}`);
}
