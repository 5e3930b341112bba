import type { ClickHouseClient } from "@clickhouse/client";
import { LATEST_VERSION, MIGRATIONS, migrationsTable, TABLE, ttlClause, type Step } from "./schema.ts";
import { qualified, str } from "./sql.ts";
import { assertSupported, UnsupportedServerError } from "./version.ts";

/**
 * Brings a database to the schema this engine knows. There is no lock: ClickHouse has no
 * transactions to build one on, so every step is idempotent instead, a step that lost a DDL race
 * to another engine is retried (its IF NOT EXISTS then finds the winner's object), and the one
 * data-moving step carries a fixed deduplication token. Two engines migrating at once both run
 * the same steps and both record the version; the record table collapses duplicates.
 *
 * A server older than MIN_VERSION (version.ts) is refused before anything is created.
 */

export interface SchemaState {
  serverVersion: string;
  /** Version before this run. */
  from: number;
  /** Version after this run (may be above LATEST_VERSION when a newer engine got there first). */
  to: number;
}

export interface MigrateOptions {
  engineVersion: string;
  /** Days to keep traces (0: forever). */
  ttlDays?: number;
  /** Days to keep their prompts and answers (0: as long as the trace); undefined leaves the table as it is. */
  contentTtlDays?: number;
  /** Stop after this version; tests use it to build an older schema. */
  upTo?: number;
  log?: (line: string) => void;
}

export async function queryRows<T = Record<string, unknown>>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: "JSONEachRow" });
  return (await rs.json()) as T[];
}

export async function serverVersion(client: ClickHouseClient): Promise<string> {
  const [row] = await queryRows<{ v: string }>(client, "SELECT version() AS v");
  return row.v;
}

const RACE = /already exists|creating or attaching right now|is being (created|dropped)|DUPLICATE_COLUMN|TABLE_ALREADY_EXISTS/i;

async function withRaceRetry(run: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await run();
    } catch (e: any) {
      if (i >= 5 || !RACE.test(String(e?.message))) throw e;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (i + 1)));
    }
  }
}

async function runStep(client: ClickHouseClient, step: Step): Promise<void> {
  switch (step.kind) {
    case "sql":
      return withRaceRetry(() => client.command({ query: step.sql }).then(() => {}));
    case "insert_once":
      await client.command({ query: step.sql, clickhouse_settings: { insert_deduplication_token: step.token } as any });
      return;
  }
}

async function currentVersion(client: ClickHouseClient, db: string): Promise<number> {
  const [row] = await queryRows<{ v: number | string }>(client, `SELECT max(version) AS v FROM ${qualified(db, TABLE.migrations)}`);
  return Number(row?.v ?? 0);
}

/**
 * A `traces` table must have the columns this engine writes. One made by an engine of before
 * 22.3 support (timestamps as UInt64) would refuse every row, and the spool would quarantine
 * them all as bad data: better to stop here and say so.
 */
async function checkExistingTable(client: ClickHouseClient, db: string): Promise<void> {
  const rows = await queryRows<{ type: string }>(
    client,
    `SELECT type FROM system.columns WHERE database = ${str(db)} AND table = ${str(TABLE.traces)} AND name = 'ts_start'`,
  );
  if (rows.length && !rows[0].type.startsWith("DateTime64")) {
    throw new UnsupportedServerError(
      `${db}.${TABLE.traces} has ts_start ${rows[0].type} (made by an engine for ClickHouse before 22.3); this engine writes DateTime64: use a new database`,
    );
  }
}

async function ensureDatabase(client: ClickHouseClient, db: string): Promise<void> {
  // Checked first: a user allowed to write into an existing database may not be allowed CREATE DATABASE.
  const rows = await queryRows(client, `SELECT name FROM system.databases WHERE name = ${str(db)}`);
  if (rows.length === 0) await withRaceRetry(() => client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${db}\`` }).then(() => {}));
}

export async function migrate(client: ClickHouseClient, db: string, opts: MigrateOptions): Promise<SchemaState> {
  const log = opts.log ?? (() => {});
  const version = await serverVersion(client);
  assertSupported(version);
  await ensureDatabase(client, db);
  await checkExistingTable(client, db);
  await runStep(client, { kind: "sql", sql: migrationsTable(db) });
  const from = await currentVersion(client, db);
  const upTo = opts.upTo ?? LATEST_VERSION;
  let to = from;
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > upTo) continue;
    for (const step of m.steps(db)) await runStep(client, step);
    await client.insert({
      table: qualified(db, TABLE.migrations),
      format: "JSONEachRow",
      values: [{ version: m.version, name: m.name, engine_version: opts.engineVersion, applied_at: Math.floor(Date.now() / 1000) }],
    });
    log(`clickhouse schema: applied migration ${m.version} (${m.name})`);
    to = m.version;
  }
  if (from > LATEST_VERSION) log(`clickhouse schema is at version ${from}, newer than this engine's ${LATEST_VERSION}; writing the columns this engine knows`);
  if (opts.ttlDays !== undefined && to >= 1) await reconcileTtl(client, db, opts.ttlDays, log);
  if (opts.contentTtlDays !== undefined && to >= 1) await reconcileContentTtl(client, db, opts.contentTtlDays, log);
  return { serverVersion: version, from, to };
}

const CONTENT_COLUMNS = ["request", "request_params", "response"] as const;

/**
 * Prompts and answers can be kept for less time than the traces: a column TTL on each content
 * column sets it back to NULL (what "content off" stores) once it expires, at the next merge.
 * Checked first, because a changed column TTL rewrites the table's parts.
 */
async function reconcileContentTtl(client: ClickHouseClient, db: string, days: number, log: (line: string) => void): Promise<void> {
  const [row] = await queryRows<{ statement: string }>(client, `SHOW CREATE TABLE ${qualified(db, TABLE.traces)}`);
  const want = Math.max(0, Math.floor(days));
  // Each column on its own: one added by a later migration starts without the TTL the others have.
  const statement = row?.statement ?? "";
  const stale = CONTENT_COLUMNS.filter((column) => {
    // A schema stopped before the migration that adds a column (upTo) does not have it.
    if (!statement.includes(`\`${column}\``)) return false;
    const current = new RegExp(`\`${column}\` Nullable\\(String\\)[^\\n]*? TTL [^\\n]*?toIntervalDay\\((\\d+)\\)`).exec(statement);
    return (current ? Number(current[1]) : 0) !== want;
  });
  if (!stale.length) return;
  for (const column of stale) {
    const change = want ? `${column} Nullable(String) CODEC(ZSTD(3)) TTL toDateTime(ts_start) + toIntervalDay(${want})` : `${column} REMOVE TTL`;
    await client.command({ query: `ALTER TABLE ${qualified(db, TABLE.traces)} MODIFY COLUMN ${change}` });
  }
  log(`clickhouse: prompts and answers ${want ? `kept ${want} days` : "kept as long as their traces"}`);
}

/** The TTL of `traces` follows the configuration; changing it is an ALTER, not a migration. */
async function reconcileTtl(client: ClickHouseClient, db: string, days: number, log: (line: string) => void): Promise<void> {
  const [row] = await queryRows<{ engine_full: string }>(
    client,
    `SELECT engine_full FROM system.tables WHERE database = ${str(db)} AND name = ${str(TABLE.traces)}`,
  );
  const current = /toIntervalDay\((\d+)\)/.exec(/\bTTL\b(.*?)(\bSETTINGS\b|$)/.exec(row?.engine_full ?? "")?.[1] ?? "");
  const currentDays = current ? Number(current[1]) : 0;
  if (currentDays === Math.floor(days)) return;
  const clause = ttlClause(days);
  await client.command({ query: `ALTER TABLE ${qualified(db, TABLE.traces)} ${clause ? `MODIFY TTL ${clause}` : "REMOVE TTL"}` });
  log(`clickhouse: traces TTL ${clause ? `set to ${Math.floor(days)} days` : "removed"}`);
}
