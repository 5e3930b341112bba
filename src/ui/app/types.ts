import type { TraceRecord } from "../../traces/record.ts";

// The shapes of /api/ answers (README, "The JSON API"). Type-only: nothing of the engine is bundled.

export type Trace = TraceRecord;

export interface TraceRow {
  id: string;
  ts_start: string;
  requested_model: string;
  selected_model: string | null;
  alias: string | null;
  provider: string | null;
  status: "ok" | "error";
  http_status: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  token_name: string | null;
  user: string | null;
  session_id: string | null;
  tags: Record<string, string>;
  error_type: string | null;
}

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
