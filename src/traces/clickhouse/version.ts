/**
 * The oldest ClickHouse the schema runs on: 22.3 LTS. Everything the tables use exists from
 * there on (DateTime64, LowCardinality, ZSTD codecs, TTL, Bool, ADD COLUMN IF NOT EXISTS,
 * non_replicated_deduplication_window); the last to arrive was insert_deduplication_token
 * (22.2), which exactly-once replay rests on, and 22.3 is the long-term-support release after it.
 */
export const MIN_VERSION: readonly [number, number] = [22, 3];

export function parseVersion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(v.trim());
  if (!m) throw new Error(`unrecognised ClickHouse version '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

export class UnsupportedServerError extends Error {}

/** Throws a message a user can act on when the server is older than MIN_VERSION. */
export function assertSupported(version: string): void {
  const [major, minor] = parseVersion(version);
  const [M, m] = MIN_VERSION;
  if (major > M || (major === M && minor >= m)) return;
  throw new UnsupportedServerError(
    `ClickHouse ${version} is too old: opentracy needs ${M}.${m} or later (ClickHouse Cloud and chDB qualify); upgrade the server or point OPENTRACY_CLICKHOUSE_URL at a newer one`,
  );
}
