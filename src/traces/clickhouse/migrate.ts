import type { ClickHouseClient } from "@clickhouse/client";
import { layoutForVersion, layoutOfColumnType, type Layout } from "./layout.ts";
import { LATEST_VERSION, MIGRATIONS, migrationsTable, TABLE, ttlClause, type Step } from "./schema.ts";
import { qualified, str } from "./sql.ts";

/**
 * Brings a database to the schema this engine knows. There is no lock: ClickHouse has no
 * transactions to build one on, so every step is idempotent instead, a step that lost a DDL race
 * to another engine is retried (its IF NOT EXISTS then finds the winner's object), and the one
 * data-moving step carries a fixed deduplication token. Two engines migrating at once both run
 * the same steps and both record the version; the record table collapses duplicates.
 */

export interface SchemaState {
  serverVersion: string;
  layout: Layout;
  /** Version before this run. */
  from: number;
  /** Version after this run (may be above LATEST_VERSION when a newer engine got there first). */
  to: number;
}

export interface MigrateOptions {
  engineVersion: string;
  /** Days to keep traces (0: forever). Applied on the modern layout only. */
  ttlDays?: number;
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

async function columnExists(client: ClickHouseClient, db: string, table: string, column: string): Promise<boolean> {
  const rows = await queryRows(client, `SELECT name FROM system.columns WHERE database = ${str(db)} AND table = ${str(table)} AND name = ${str(column)}`);
  return rows.length > 0;
}

async function runStep(client: ClickHouseClient, db: string, layout: Layout, step: Step): Promise<void> {
  switch (step.kind) {
    case "sql":
      return withRaceRetry(() => client.command({ query: step.sql }).then(() => {}));
    case "add_column":
      if (await columnExists(client, db, step.table, step.column)) return;
      try {
        await client.command({ query: `ALTER TABLE ${qualified(db, step.table)} ADD COLUMN ${step.column} ${step.definition}` });
      } catch (e) {
        // Another engine added it between our check and our ALTER.
        if (!(await columnExists(client, db, step.table, step.column))) throw e;
      }
      return;
    case "insert_once":
      await client.command({
        query: step.sql,
        clickhouse_settings: layout === "modern" ? ({ insert_deduplication_token: step.token } as any) : undefined,
      });
      return;
  }
}

async function currentVersion(client: ClickHouseClient, db: string): Promise<number> {
  const [row] = await queryRows<{ v: number | string }>(client, `SELECT max(version) AS v FROM ${qualified(db, TABLE.migrations)}`);
  return Number(row?.v ?? 0);
}

async function existingLayout(client: ClickHouseClient, db: string): Promise<Layout | null> {
  const rows = await queryRows<{ type: string }>(
    client,
    `SELECT type FROM system.columns WHERE database = ${str(db)} AND table = ${str(TABLE.traces)} AND name = 'ts_start'`,
  );
  return rows.length ? layoutOfColumnType(rows[0].type) : null;
}

async function ensureDatabase(client: ClickHouseClient, db: string): Promise<void> {
  // Checked first: a user allowed to write into an existing database may not be allowed CREATE DATABASE.
  const rows = await queryRows(client, `SELECT name FROM system.databases WHERE name = ${str(db)}`);
  if (rows.length === 0) await withRaceRetry(() => client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${db}\`` }).then(() => {}));
}

export async function migrate(client: ClickHouseClient, db: string, opts: MigrateOptions): Promise<SchemaState> {
  const log = opts.log ?? (() => {});
  const version = await serverVersion(client);
  await ensureDatabase(client, db);
  await runStep(client, db, "modern", { kind: "sql", sql: migrationsTable(db) });
  const layout = (await existingLayout(client, db)) ?? layoutForVersion(version);
  const from = await currentVersion(client, db);
  const upTo = opts.upTo ?? LATEST_VERSION;
  let to = from;
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > upTo) continue;
    for (const step of m.steps(db, layout)) await runStep(client, db, layout, step);
    await client.insert({
      table: qualified(db, TABLE.migrations),
      format: "JSONEachRow",
      values: [{ version: m.version, name: m.name, layout, engine_version: opts.engineVersion, applied_at: Math.floor(Date.now() / 1000) }],
    });
    log(`clickhouse schema: applied migration ${m.version} (${m.name}, ${layout} layout)`);
    to = m.version;
  }
  if (from > LATEST_VERSION) log(`clickhouse schema is at version ${from}, newer than this engine's ${LATEST_VERSION}; writing the columns this engine knows`);
  if (opts.ttlDays !== undefined && to >= 1) await reconcileTtl(client, db, layout, opts.ttlDays, log);
  return { serverVersion: version, layout, from, to };
}

/** The TTL of `traces` follows the configuration; changing it is an ALTER, not a migration. */
async function reconcileTtl(client: ClickHouseClient, db: string, layout: Layout, days: number, log: (line: string) => void): Promise<void> {
  if (layout === "legacy") {
    if (days > 0) log(`clickhouse: this server has no TTL (legacy layout); traces are kept until their monthly partitions are dropped by hand`);
    return;
  }
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
