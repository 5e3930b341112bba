import type { Trace } from "./types.ts";

// A trace's cost by kind of token, at the rates the engine reports for its model today. The
// record keeps what the call was charged (cost_usd); this is how that comes about, for reading.

export interface SplitLine {
  label: string;
  tokens: number;
  /** USD per million tokens; null when the model has no known price. */
  rate: number | null;
  usd: number | null;
  /** Counted inside the line above it (reasoning is part of the output): no cost of its own. */
  within?: boolean;
}

export interface CostSplit {
  lines: SplitLine[];
  /** The sum of the lines; null without rates. */
  estimate: number | null;
  /**
   * Whether the recorded cost is the estimate (to a cent in ten thousand): it is not when the call
   * wrote to a prompt cache (its own rate, not in the record), a tiered rate applied, or prices changed.
   */
  matches: boolean;
}

/** Null for a trace without usage (a call that failed before an answer). */
export function costSplit(
  t: Pick<Trace, "input_tokens" | "output_tokens" | "cached_tokens" | "reasoning_tokens" | "cost_usd" | "_price_per_million">,
): CostSplit | null {
  if (t.input_tokens === null || t.output_tokens === null) return null;
  const r = t._price_per_million ?? null;
  const cached = Math.min(t.cached_tokens ?? 0, t.input_tokens);
  const line = (label: string, tokens: number, rate: number | null | undefined): SplitLine => {
    const known = r !== null && rate !== undefined && rate !== null;
    return { label, tokens, rate: known ? rate : null, usd: known ? (tokens * rate) / 1e6 : null };
  };
  const lines = [line("Input", t.input_tokens - cached, r?.input)];
  // A cache read without its own rate is billed as input (pricing/cost.ts does the same).
  if (cached > 0) lines.push(line("Input from cache", cached, r ? (r.cache_read ?? r.input) : null));
  lines.push(line("Output", t.output_tokens, r?.output));
  if (t.reasoning_tokens) lines.push({ label: "of which reasoning", tokens: t.reasoning_tokens, rate: null, usd: null, within: true });
  const estimate = r === null ? null : lines.reduce((s, l) => s + (l.usd ?? 0), 0);
  const matches = estimate !== null && t.cost_usd !== null && Math.abs(estimate - t.cost_usd) <= Math.max(1e-9, t.cost_usd * 1e-4);
  return { lines, estimate, matches };
}
