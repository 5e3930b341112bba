import { toCsv } from "./csv.ts";
import type { Activity } from "./types.ts";

/**
 * The Activity breakdown as the table shows it, with raw numbers: one line per row under a header
 * whose first column is named after the grouping. By model it also has each row's cache savings.
 */
export function breakdownCsv(rows: Activity["breakdown"], by: string): string {
  const priced = by === "model";
  return toCsv(
    [by, "requests", "errors", "input_tokens", "output_tokens", "cached_tokens", "cost_usd", "p50_ms", "p95_ms", ...(priced ? ["cache_savings_usd"] : [])],
    rows.map((r) => [
      r.key,
      r.requests,
      r.errors,
      r.input_tokens,
      r.output_tokens,
      r.cached_tokens,
      r.cost_usd,
      r.p50_ms,
      r.p95_ms,
      ...(priced ? [r.cache_savings_usd ?? null] : []),
    ]),
  );
}
