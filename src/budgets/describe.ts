import { join } from "node:path";
import type { TokenEntry } from "../auth/tokens.ts";
import type { SettingsTarget } from "../settings/target.ts";
import { ClickHouseTraceQueries } from "../traces/clickhouse/queries.ts";
import { LocalIndex } from "../traces/local-index/index.ts";
import { LocalTraceQueries } from "../traces/local-index/queries.ts";
import { SpendLedger, type TokenSpend } from "./spend.ts";

/** A token as lists show it: never its hash; with its spend (the ledger's number) when known. */
export type ShownToken = Omit<TokenEntry, "hash"> & { spend?: TokenSpend };

export function showToken(entry: TokenEntry, spend?: TokenSpend): ShownToken {
  const { hash: _hash, ...shown } = entry;
  return spend ? { ...shown, spend } : shown;
}

/**
 * The tokens' spend for the CLI, which has no engine's memory to read: the same queries the
 * engine's ledger starts from (the sum of the traces' cost_usd per token), against the same store.
 * The running engine's count also holds its calls not yet written (at most a flush behind).
 */
export async function spendFromStore(t: SettingsTarget): Promise<SpendLedger> {
  const ledger = new SpendLedger();
  if (t.shared) {
    await ledger.load(new ClickHouseTraceQueries(t.shared.client, t.shared.db));
    return ledger;
  }
  const index = new LocalIndex(t.p.traces, join(t.p.traces, "index.sqlite"));
  try {
    await ledger.load(new LocalTraceQueries(index));
  } finally {
    index.close();
  }
  return ledger;
}

/** "$1.2300 of $5.00 day, $3.10 of $100.00 month (soft)": a token's budgets, for one line of a list. */
export function describeLimits(t: Omit<TokenEntry, "hash">, spend?: TokenSpend): string {
  const parts: string[] = [];
  const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
  for (const period of ["day", "month", "total"] as const) {
    const limit = t.budget?.[period];
    if (limit !== undefined) parts.push(`${spend ? `${usd(spend[period])} of ` : ""}${usd(limit)} ${period}`);
  }
  if (parts.length && t.budget?.soft) parts.push("soft");
  if (t.rpm !== undefined) parts.push(`${t.rpm} rpm`);
  if (t.tpm !== undefined) parts.push(`${t.tpm} tpm`);
  if (t.allow) parts.push(`allow ${t.allow.join(",")}`);
  if (t.expires_at) parts.push(`expires ${t.expires_at}`);
  return parts.join(", ");
}
