import type { TraceSummary } from "../../traces/queries.ts";
import type { TraceRecord } from "../../traces/record.ts";

// The shapes of /api/ answers (README, "The JSON API"). Type-only: nothing of the engine is bundled.

export type Trace = TraceRecord;

export type TraceRow = TraceSummary;

export interface TracePage {
  data: TraceRow[];
  next_cursor: string | null;
}

export interface Totals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface Activity {
  buckets: (Totals & { t: string })[];
  breakdown: { key: string; requests: number; errors: number; cost_usd: number; input_tokens: number; output_tokens: number }[];
  totals: Totals;
}
