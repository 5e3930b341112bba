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

export function latencyLabel(r: TraceRecord): string {
  return `${Math.round(r.latency_ms)} ms`;
}

export function tokensLabel(r: TraceRecord): string {
  if (r.input_tokens === null && r.output_tokens === null) return "—";
  return `${r.input_tokens ?? "—"}/${r.output_tokens ?? "—"}`;
}

/**
 * Dollars to 6 significant digits, trailing zeros dropped, never in exponent notation (a cheap
 * call costs a few millionths of a dollar). null means "no known price": shown as "—", never $0.
 */
export function costLabel(usd: number | null): string {
  if (usd === null) return "—";
  if (usd === 0) return "$0";
  const decimals = Math.min(20, Math.max(0, 5 - Math.floor(Math.log10(Math.abs(usd)))));
  let s = usd.toFixed(decimals);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return `$${s}`;
}

/** Running figures over every trace shown since the view started (not only the visible rows). */
export interface Totals {
  requests: number;
  errors: number;
  costUsd: number;
  /** Traces whose cost is unknown: the total leaves them out, and says so. */
  unpriced: number;
}

export const NO_TOTALS: Totals = { requests: 0, errors: 0, costUsd: 0, unpriced: 0 };

export function addToTotals(t: Totals, r: TraceRecord): Totals {
  return {
    requests: t.requests + 1,
    errors: t.errors + (r.status === "error" ? 1 : 0),
    costUsd: t.costUsd + (r.cost_usd ?? 0),
    unpriced: t.unpriced + (r.cost_usd === null ? 1 : 0),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function totalsLine(t: Totals): string {
  const unpriced = t.unpriced > 0 ? ` (${t.unpriced} without a known price)` : "";
  return `${plural(t.requests, "request")} · ${plural(t.errors, "error")} · total cost ${costLabel(t.costUsd)}${unpriced}`;
}
