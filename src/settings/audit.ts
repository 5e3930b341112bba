import { appendFileSync, closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ensureHome, type Paths } from "../config/paths.ts";
import type { SettingsTarget } from "./target.ts";

/**
 * Every change to keys, base URLs, aliases, providers and tokens, made from the UI or the CLI: who, what,
 * when. Never a key, masked or not: the entry names the provider whose key changed. One JSON
 * object per line in `audit.jsonl` (0600), appended with O_APPEND so two writers never interleave
 * a line.
 */
export const AuditEntry = z.object({
  ts: z.string(),
  /** `token admin` (the UI or the API, by token name), `local` (an open loopback engine), `cli root` (the OS user). */
  actor: z.string(),
  /** `key.set`, `key.remove`, `base_url.set`, `alias.set`, `alias.remove`, `provider.add`, `provider.update`, `provider.remove`, `token.create`, `token.revoke`, `master_key.rotate`. */
  action: z.string(),
  /** What it was done to: a provider, an alias or a token name. */
  target: z.string(),
  detail: z.string().nullable().default(null),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const auditPath = (p: Paths) => join(p.home, "audit.jsonl");

/** Records a change where the settings live: the shared store's audit table, else audit.jsonl. */
export async function recordAudit(t: SettingsTarget, entry: Omit<AuditEntry, "ts" | "detail"> & { detail?: string | null }): Promise<void> {
  if (t.shared) return t.shared.audit(entry);
  appendAudit(t.p, entry);
}

/** The newest `limit` changes, newest first, from where the settings live. */
export async function readAuditLog(t: SettingsTarget, limit: number): Promise<AuditEntry[]> {
  return t.shared ? t.shared.readAudit(limit) : readAudit(t.p, limit);
}

function appendAudit(p: Paths, entry: Omit<AuditEntry, "ts" | "detail"> & { detail?: string | null }): void {
  ensureHome(p);
  const path = auditPath(p);
  // Created 0600 before the first append: the log says who holds admin tokens.
  closeSync(openSync(path, "a", 0o600));
  appendFileSync(path, `${JSON.stringify({ ts: new Date().toISOString(), detail: null, ...entry })}\n`);
}

/** The newest `limit` entries, newest first; a line that does not parse is skipped, not fatal. */
function readAudit(p: Paths, limit: number): AuditEntry[] {
  let text: string;
  try {
    text = readFileSync(auditPath(p), "utf8");
  } catch (e: any) {
    if (e?.code === "ENOENT") return [];
    throw e;
  }
  const out: AuditEntry[] = [];
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
    if (!lines[i]) continue;
    try {
      const parsed = AuditEntry.safeParse(JSON.parse(lines[i]!));
      if (parsed.success) out.push(parsed.data);
    } catch {}
  }
  return out;
}
