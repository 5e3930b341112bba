import type { Activity } from "./types.ts";

type Row = Activity["breakdown"][number];

/** The models whose slow calls are slowest (p95, then p50), at most `n`: where a user waits. */
export function slowest(rows: readonly Row[], n = 3): Row[] {
  return rows
    .filter((r) => r.key !== null && r.p95_ms !== null)
    .sort((a, b) => b.p95_ms! - a.p95_ms! || (b.p50_ms ?? 0) - (a.p50_ms ?? 0))
    .slice(0, n);
}

/** The models that cost the most, at most `n`; a model that cost nothing is not "expensive". */
export function costliest(rows: readonly Row[], n = 3): Row[] {
  return rows
    .filter((r) => r.key !== null && r.cost_usd > 0)
    .sort((a, b) => b.cost_usd - a.cost_usd)
    .slice(0, n);
}
