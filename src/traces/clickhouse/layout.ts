/**
 * Two column layouts, chosen once per database:
 *
 * - `modern` (ClickHouse 22.3 and later, ClickHouse Cloud, chDB): DateTime64(3, 'UTC')
 *   timestamps, LowCardinality strings, ZSTD-compressed content, TTL, Bool, per-insert
 *   deduplication tokens.
 * - `legacy` (anything older, e.g. Debian's packaged 18.16): none of those exist, so timestamps
 *   are UInt64 milliseconds since the epoch (UTC), strings are plain String, compression is the
 *   server's default (LZ4), and there is no TTL.
 *
 * A database keeps the layout it was created with: an old server upgraded later still has legacy
 * columns, so the layout of an existing `traces` table wins over the server's version.
 */
export type Layout = "modern" | "legacy";

export const MODERN_SINCE: readonly [number, number] = [22, 3];

export function parseVersion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(v.trim());
  if (!m) throw new Error(`unrecognised ClickHouse version '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

export function layoutForVersion(version: string): Layout {
  const [major, minor] = parseVersion(version);
  const [M, m] = MODERN_SINCE;
  return major > M || (major === M && minor >= m) ? "modern" : "legacy";
}

/** The layout an existing `traces` table was created with, from the type of its `ts_start`. */
export function layoutOfColumnType(tsStartType: string): Layout {
  return tsStartType.startsWith("DateTime64") ? "modern" : "legacy";
}
