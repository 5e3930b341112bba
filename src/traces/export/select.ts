import { matchesFilter, type TraceFilter } from "../reader.ts";
import type { TraceRecord } from "../record.ts";

/**
 * Which traces an export takes, the same for the local store and ClickHouse. Extends the tail's
 * filter with a time range on `ts_start`, the alias, the provider, the API and several tags.
 */
export interface ExportSelection extends Omit<TraceFilter, "tag"> {
  /** Epoch milliseconds, inclusive. */
  sinceMs?: number;
  /** Epoch milliseconds, exclusive. */
  untilMs?: number;
  alias?: string;
  provider?: string;
  api?: string;
  /** Every one must be carried. */
  tags?: { key: string; value: string }[];
}

export function selects(r: TraceRecord, s: ExportSelection): boolean {
  if (!matchesFilter(r, s)) return false;
  if (s.sinceMs !== undefined || s.untilMs !== undefined) {
    const t = Date.parse(r.ts_start);
    if (s.sinceMs !== undefined && !(t >= s.sinceMs)) return false;
    if (s.untilMs !== undefined && !(t < s.untilMs)) return false;
  }
  if (s.alias !== undefined && r.alias !== s.alias) return false;
  if (s.provider !== undefined && r.provider !== s.provider) return false;
  if (s.api !== undefined && r.api !== s.api) return false;
  for (const t of s.tags ?? []) if (!matchesFilter(r, { tag: t })) return false;
  return true;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `--since`/`--until`: a duration back from `nowMs` (`30m`, `12h`, `7d`, `2w`) or an ISO date
 * (`2025-03-01`, `2025-03-01T12:00:00Z`; a date without a zone is UTC, as the store's days are).
 * Null when it is neither.
 */
export function parseInstant(text: string, nowMs: number): number | null {
  const d = /^(\d+)([mhdw])$/.exec(text.trim());
  if (d) return nowMs - Number(d[1]) * UNIT_MS[d[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const zoned = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text.slice(10)) || text.length === 10 ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}
