import type { TraceRecord } from "../../traces/record.ts";

/**
 * Cell texts shared by the live view and the plain table, so both always show a trace the
 * same way. No colour here: the callers decide whether colour is wanted.
 */

/** The model that answered (or was asked for, when none did), plus the alias that led to it. */
export function modelLabel(r: TraceRecord): string {
  const model = r.selected_model ?? r.requested_model;
  return r.alias && r.alias !== model ? `${model} (${r.alias})` : model;
}

export function statusLabel(r: TraceRecord): string {
  return r.status === "ok" ? "ok" : `error ${r.http_status}`;
}

/** What went wrong, on one line: upstream messages may hold newlines that would break a table row. */
export function errorText(r: TraceRecord): string {
  if (r.status === "ok") return "";
  return (r.error_message ?? r.error_type ?? "").replace(/[\s\p{Cc}]+/gu, " ").trim();
}

/** `340 ms` under a second, `1.2 s` under a minute, `2m 05s` beyond. */
export function latencyLabel(r: TraceRecord): string {
  const ms = r.latency_ms;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** `345`, `1.2k`, `12k`, `1.5M`: token counts to the precision a person compares them at. */
export function countLabel(n: number): string {
  if (n < 1000) return String(n);
  const [value, unit] = n < 999_500 ? [n / 1000, "k"] : [n / 1_000_000, "M"];
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)}${unit}`;
}

/** Input/output tokens; "—" for a count the upstream did not report. */
export function tokensLabel(r: TraceRecord): string {
  if (r.input_tokens === null && r.output_tokens === null) return "—";
  const n = (v: number | null) => (v === null ? "—" : countLabel(v));
  return `${n(r.input_tokens)}/${n(r.output_tokens)}`;
}

/**
 * Dollars to two significant digits with at least cents (`$0.0042`, `$0.12`, `$3.50`), never in
 * exponent notation: a cheap call costs a few millionths of a dollar. null means "no known
 * price": shown as "—", never $0.
 */
export function costLabel(usd: number | null): string {
  if (usd === null) return "—";
  if (usd === 0) return "$0";
  const decimals = Math.min(20, Math.max(2, 1 - Math.floor(Math.log10(Math.abs(usd)))));
  const s = usd.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, "$1");
  return `$${s}`;
}

/** Running figures over every trace shown since the view started (not only the visible rows). */
export interface Totals {
  requests: number;
  errors: number;
  costUsd: number;
  /** Successful calls whose cost is unknown: the total leaves them out, and says so. Failed calls cost nothing. */
  unpriced: number;
}

export const NO_TOTALS: Totals = { requests: 0, errors: 0, costUsd: 0, unpriced: 0 };

export function addToTotals(t: Totals, r: TraceRecord): Totals {
  return {
    requests: t.requests + 1,
    errors: t.errors + (r.status === "error" ? 1 : 0),
    costUsd: t.costUsd + (r.cost_usd ?? 0),
    unpriced: t.unpriced + (r.status === "ok" && r.cost_usd === null ? 1 : 0),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The totals, longest wording first: the view shows the longest that fits its width. */
export function totalsLines(t: Totals): string[] {
  const head = `${plural(t.requests, "request")} · ${plural(t.errors, "error")}`;
  const cost = costLabel(t.costUsd);
  if (t.unpriced === 0) return [`${head} · total cost ${cost}`, `${head} · ${cost}`];
  return [`${head} · total cost ${cost} (${t.unpriced} without a known price)`, `${head} · ${cost} (+${t.unpriced} unpriced)`];
}
