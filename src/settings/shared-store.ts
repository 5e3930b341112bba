import type { ClickHouseClient } from "@clickhouse/client";
import { TokenEntry } from "../auth/tokens.ts";
import { Alias } from "../config/schema.ts";
import { queryRows } from "../traces/clickhouse/migrate.ts";
import { auditTable, settingsTable, TABLE } from "../traces/clickhouse/schema.ts";
import { qualified, str } from "../traces/clickhouse/sql.ts";
import type { AuditEntry } from "./audit.ts";

export type SharedKind = "secret" | "alias" | "token";

/** What every engine on one ClickHouse database shares: secrets still sealed, aliases, token entries (hashes only). */
export interface SharedSnapshot {
  secrets: Record<string, string>;
  aliases: Record<string, Alias>;
  tokens: TokenEntry[];
  /** Changes whenever any row does: max(version) and the row count. */
  fingerprint: string;
}

export const EMPTY_SNAPSHOT: SharedSnapshot = { secrets: {}, aliases: {}, tokens: [], fingerprint: "" };

/**
 * Keys, aliases and tokens in ClickHouse, for platform teams running several engines on one
 * database. Secrets arrive here already sealed (seal.ts), so the key never travels in a query and
 * cannot land in `system.query_log`; the master key stays with the engines. Values are inlined as
 * escaped literals, as everywhere in this codebase (older servers have no query parameters).
 */
export class SharedSettingsStore {
  private ready: Promise<void> | null = null;

  constructor(
    /** Also read by `tokens list` for the tokens' spend in the same database's traces. */
    readonly client: ClickHouseClient,
    readonly db: string,
    /** Where it is, for messages; never the password. */
    readonly display: string,
  ) {}

  /** The tables, made on first use (migration 6 makes the same; both are idempotent). */
  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      // An engine may read before its trace sink has migrated (or with traces off): make what it needs.
      // Checked first, as the migrations do: a user who may write into a database may not create one.
      const found = await queryRows(this.client, `SELECT name FROM system.databases WHERE name = ${str(this.db)}`);
      if (!found.length) await this.client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${this.db}\`` });
      await this.client.command({ query: settingsTable(this.db) });
      await this.client.command({ query: auditTable(this.db) });
    })().catch((e) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }

  async fingerprint(): Promise<string> {
    await this.ensure();
    const [row] = await queryRows<{ v: string; n: string }>(this.client, `SELECT toString(max(version)) AS v, toString(count()) AS n FROM ${this.table}`);
    return `${row?.v ?? 0}/${row?.n ?? 0}`;
  }

  async read(): Promise<SharedSnapshot> {
    await this.ensure();
    const fingerprint = await this.fingerprint();
    const rows = await queryRows<{ kind: SharedKind; name: string; value: string; deleted: number }>(
      this.client,
      `SELECT kind, name, argMax(value, version) AS value, argMax(deleted, version) AS deleted FROM ${this.table} GROUP BY kind, name`,
    );
    const snap: SharedSnapshot = { secrets: {}, aliases: {}, tokens: [], fingerprint };
    for (const r of rows) {
      if (Number(r.deleted)) continue;
      // A row another engine version wrote in a shape this one does not know is skipped, not fatal.
      if (r.kind === "secret") snap.secrets[r.name] = r.value;
      else if (r.kind === "alias") {
        const a = Alias.safeParse(parseJson(r.value));
        if (a.success) snap.aliases[r.name] = a.data;
      } else if (r.kind === "token") {
        const t = TokenEntry.safeParse(parseJson(r.value));
        if (t.success) snap.tokens.push(t.data);
      }
    }
    snap.tokens.sort((a, b) => a.created_at.localeCompare(b.created_at));
    return snap;
  }

  /** Writes several changes as one insert (a credential set lands whole); null deletes. */
  async put(changes: { kind: SharedKind; name: string; value: string | null }[], actor: string): Promise<void> {
    if (!changes.length) return;
    await this.ensure();
    // Microseconds, and strictly increasing within this process, so two quick changes keep their order.
    const base = nextVersion(changes.length);
    const rows = changes.map((c, i) => `(${str(c.kind)}, ${str(c.name)}, ${str(c.value ?? "")}, ${c.value === null ? 1 : 0}, ${base + i}, ${str(actor)})`);
    await this.client.command({ query: `INSERT INTO ${this.table} (kind, name, value, deleted, version, updated_by) VALUES ${rows.join(", ")}` });
  }

  async audit(e: Omit<AuditEntry, "ts" | "detail"> & { detail?: string | null }): Promise<void> {
    await this.ensure();
    const detail = e.detail == null ? "NULL" : str(e.detail);
    await this.client.command({
      query: `INSERT INTO ${qualified(this.db, TABLE.audit)} (ts, actor, action, target, detail) VALUES (now64(3), ${str(e.actor)}, ${str(e.action)}, ${str(e.target)}, ${detail})`,
    });
  }

  async readAudit(limit: number): Promise<AuditEntry[]> {
    await this.ensure();
    const rows = await queryRows<AuditEntry>(
      this.client,
      `SELECT concat(replaceOne(toString(ts), ' ', 'T'), 'Z') AS ts, actor, action, target, detail FROM ${qualified(this.db, TABLE.audit)} ORDER BY ts DESC LIMIT ${Math.floor(limit)}`,
    );
    return rows;
  }

  private get table(): string {
    return qualified(this.db, TABLE.settings);
  }
}

let lastVersion = 0;
function nextVersion(n: number): number {
  const now = Date.now() * 1000;
  const v = Math.max(now, lastVersion + 1);
  lastVersion = v + n - 1;
  return v;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
