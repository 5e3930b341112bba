import type { TraceRecord } from "../../traces/record.ts";
import { type Agreement, compareAnswers } from "./compare.ts";
import type { Outcome } from "./send.ts";

/**
 * One side of the comparison: the recorded calls, or their replays. Tokens, cost and latency are
 * over the pairs the replay answered, on both sides, so a failure that clusters on some kind of
 * call never leaves it in one side's numbers and out of the other's.
 */
export interface Side {
  model: string;
  calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  /** Sum over the priced answered calls. */
  cost_usd: number;
  /** Answered calls without a known price, left out of the cost. */
  unpriced: number;
  /** Mean cost of a priced answered call × 1,000; null when none was priced. */
  cost_per_1k_usd: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface Rate {
  agree: number;
  of: number;
}

export interface Pair {
  trace_id: string;
  ok: boolean;
  error?: string;
  agreement?: Agreement;
}

export interface ReplayReport {
  original: Side;
  replay: Side;
  /** Over the calls the replay answered. */
  agreement: { answers: Rate; text: Rate; json: Rate; tool_calls: Rate };
  /**
   * Original minus replay per 1,000 calls, over the pairs priced on both sides (`pairs` of them):
   * positive saves; null when no pair is.
   */
  savings: { per_1k_usd: number; percent: number | null; pairs: number } | null;
  pairs: Pair[];
}

/** Nearest rank, as the Activity page computes its percentiles. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** What one call measured. */
interface Measured {
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number;
}

/** A trace and its replay, reduced to what the report needs: neither side's messages are kept. */
export interface Compared {
  pair: Pair;
  /** The model that answered the original. */
  model: string;
  original: Measured;
  /** null when the replay failed. */
  replay: Measured | null;
}

const measured = (m: Measured): Measured => ({ input_tokens: m.input_tokens, output_tokens: m.output_tokens, cost_usd: m.cost_usd, latency_ms: m.latency_ms });

/** Compares the replay's answer with the recorded one, as soon as the replay ends. */
export function compare(trace: TraceRecord, outcome: Outcome): Compared {
  const model = trace.selected_model ?? trace.requested_model;
  const original = measured(trace);
  if (!outcome.ok) return { pair: { trace_id: trace.id, ok: false, error: outcome.error }, model, original, replay: null };
  const agreement = compareAnswers(trace.response, outcome.messages);
  return { pair: { trace_id: trace.id, ok: true, agreement }, model, original, replay: measured(outcome) };
}

function side(model: string, calls: number, errors: number, answered: Measured[]): Side {
  const latencies = answered.map((a) => a.latency_ms).sort((x, y) => x - y);
  const priced = answered.filter((a) => a.cost_usd !== null);
  const cost = priced.reduce((s, a) => s + a.cost_usd!, 0);
  return {
    model,
    calls,
    errors,
    input_tokens: answered.reduce((s, a) => s + (a.input_tokens ?? 0), 0),
    output_tokens: answered.reduce((s, a) => s + (a.output_tokens ?? 0), 0),
    cost_usd: cost,
    unpriced: answered.length - priced.length,
    cost_per_1k_usd: priced.length ? (cost / priced.length) * 1000 : null,
    p50_ms: percentile(latencies, 0.5),
    p95_ms: percentile(latencies, 0.95),
  };
}

/** The model the originals were answered by, or "mixed". */
function modelOf(compared: Compared[]): string {
  const models = new Set(compared.map((c) => c.model));
  return models.size === 1 ? [...models][0]! : models.size === 0 ? "—" : "mixed";
}

/** The pairs in the selection's order. The originals all succeeded: only the replay side has errors. */
export function buildReport(compared: Compared[], to: string): ReplayReport {
  const rate = (): Rate => ({ agree: 0, of: 0 });
  const agreement = { answers: rate(), text: rate(), json: rate(), tool_calls: rate() };
  const count = (r: Rate, v: boolean | null) => {
    if (v === null) return;
    r.of++;
    if (v) r.agree++;
  };
  const answered = compared.filter((c) => c.replay !== null);
  for (const { pair } of answered) {
    const a = pair.agreement!;
    count(agreement.answers, a.agrees);
    count(agreement.text, a.text);
    count(agreement.json, a.json);
    count(agreement.tool_calls, a.tools);
  }
  const original = side(
    modelOf(compared),
    compared.length,
    0,
    answered.map((c) => c.original),
  );
  const replay = side(
    to,
    compared.length,
    compared.length - answered.length,
    answered.map((c) => c.replay!),
  );
  return { original, replay, agreement, savings: savings(answered), pairs: compared.map((c) => c.pair) };
}

/** The mean saving per call over the pairs priced on both sides: the same calls, so the same mix of work. */
function savings(answered: Compared[]): ReplayReport["savings"] {
  const both = answered.filter((c) => c.original.cost_usd !== null && c.replay!.cost_usd !== null);
  if (both.length === 0) return null;
  const before = (both.reduce((s, c) => s + c.original.cost_usd!, 0) / both.length) * 1000;
  const after = (both.reduce((s, c) => s + c.replay!.cost_usd!, 0) / both.length) * 1000;
  const per1k = before - after;
  return { per_1k_usd: per1k, percent: before > 0 ? (per1k / before) * 100 : null, pairs: both.length };
}
