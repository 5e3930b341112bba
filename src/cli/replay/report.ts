import type { TraceRecord } from "../../traces/record.ts";
import { type Agreement, compareAnswers } from "./compare.ts";
import type { Outcome } from "./send.ts";

/** One side of the comparison: the recorded calls, or their replays. */
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
  /** Original minus replay per 1,000 calls: positive saves; null when either side has no price. */
  savings: { per_1k_usd: number; percent: number | null } | null;
  pairs: Pair[];
}

/** Nearest rank, as the Activity page computes its percentiles. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

interface Answered {
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number;
}

function side(model: string, calls: number, answered: Answered[]): Side {
  const latencies = answered.map((a) => a.latency_ms).sort((x, y) => x - y);
  const priced = answered.filter((a) => a.cost_usd !== null);
  const cost = priced.reduce((s, a) => s + a.cost_usd!, 0);
  return {
    model,
    calls,
    errors: calls - answered.length,
    input_tokens: answered.reduce((s, a) => s + (a.input_tokens ?? 0), 0),
    output_tokens: answered.reduce((s, a) => s + (a.output_tokens ?? 0), 0),
    cost_usd: cost,
    unpriced: answered.length - priced.length,
    cost_per_1k_usd: priced.length ? (cost / priced.length) * 1000 : null,
    p50_ms: percentile(latencies, 0.5),
    p95_ms: percentile(latencies, 0.95),
  };
}

/** The model a set of traces was answered by, or "mixed". */
function modelOf(traces: TraceRecord[]): string {
  const models = new Set(traces.map((t) => t.selected_model ?? t.requested_model));
  return models.size === 1 ? [...models][0]! : models.size === 0 ? "—" : "mixed";
}

/** `outcomes[i]` is the replay of `traces[i]`. */
export function buildReport(traces: TraceRecord[], outcomes: Outcome[], to: string): ReplayReport {
  const rate = (): Rate => ({ agree: 0, of: 0 });
  const agreement = { answers: rate(), text: rate(), json: rate(), tool_calls: rate() };
  const count = (r: Rate, v: boolean | null) => {
    if (v === null) return;
    r.of++;
    if (v) r.agree++;
  };
  const pairs: Pair[] = [];
  const replayed: Answered[] = [];
  traces.forEach((t, i) => {
    const o = outcomes[i]!;
    if (!o.ok) {
      pairs.push({ trace_id: t.id, ok: false, error: o.error });
      return;
    }
    replayed.push(o);
    const a = compareAnswers(t.response, o.messages);
    count(agreement.answers, a.agrees);
    count(agreement.text, a.text);
    count(agreement.json, a.json);
    count(agreement.tool_calls, a.tools);
    pairs.push({ trace_id: t.id, ok: true, agreement: a });
  });
  const original = side(modelOf(traces), traces.length, traces);
  const replay = side(to, traces.length, replayed);
  let savings: ReplayReport["savings"] = null;
  if (original.cost_per_1k_usd !== null && replay.cost_per_1k_usd !== null) {
    const per1k = original.cost_per_1k_usd - replay.cost_per_1k_usd;
    savings = { per_1k_usd: per1k, percent: original.cost_per_1k_usd > 0 ? (per1k / original.cost_per_1k_usd) * 100 : null };
  }
  return { original, replay, agreement, savings, pairs };
}
