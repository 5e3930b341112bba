import type { TraceRecord } from "./record.ts";

/**
 * What the UI's JSON API asks of a trace store. Both stores answer it where their data is (SQL
 * in ClickHouse, the SQLite index beside the local JSON lines), so no query ever reads whole
 * records into the engine to filter or aggregate them.
 */

/** (ts_start, id) of the last row a page showed: the next page starts strictly after it. */
export interface TraceCursor {
  tsMs: number;
  id: string;
}

export interface TraceListQuery {
  limit: number;
  cursor?: TraceCursor;
  /** Epoch milliseconds, inclusive. */
  sinceMs?: number;
  /** Epoch milliseconds, exclusive. */
  untilMs?: number;
  /** requested_model or selected_model. */
  model?: string;
  provider?: string;
  alias?: string;
  status?: "ok" | "error";
  /** token_name; a non-admin caller's own name is forced here by the API. */
  token?: string;
  user?: string;
  session?: string;
  tag?: { key: string; value: string };
  /** Case-insensitive substring of the prompt or the answer. */
  q?: string;
}

export interface TraceSummary {
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

/**
 * GET /api/traces/{id}: the stored record, plus the USD per million tokens in force now for the
 * model that answered (pricing/cost.ts `pricePerMillion`; null when it has no known price), so a
 * page can split the cost by kind of token. Not stored: the record's `cost_usd` is what was charged.
 */
export type TraceDetail = TraceRecord & {
  _price_per_million: { input: number; output: number; cache_read?: number; cache_write?: number } | null;
};

export interface TracePage {
  rows: TraceSummary[];
  /** Set when a full page came back: there may be more. */
  next: TraceCursor | null;
}

/** One token's spend since some instant: the sum of `cost_usd` and the count of answered calls without one. */
export interface SpendRow {
  token: string;
  cost_usd: number;
  unpriced: number;
}

export const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type Bucket = keyof typeof BUCKETS;
export const BREAKDOWNS = ["model", "provider", "alias", "token", "user", "tag"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface ActivityQuery {
  sinceMs: number;
  untilMs: number;
  bucket: Bucket;
  by: Breakdown;
  /** Only this token's traces (a non-admin caller). */
  token?: string;
  /** By tag: only this tag's values (`run`: one row per run, to compare runs side by side). */
  tagKey?: string;
}

export interface ActivityBucket {
  t: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  /** Cache reads: the part of input_tokens the provider served from its prompt cache. */
  cached_tokens: number;
  cost_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface ActivityShare {
  key: string | null;
  requests: number;
  errors: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  p50_ms: number | null;
  p95_ms: number | null;
  /**
   * By model only, added by the API (server/api/activity.ts), never by a store: what the cache
   * reads saved against the input rate, priced when asked; null when the model has no such rate.
   */
  cache_savings_usd?: number | null;
}

export interface Activity {
  buckets: ActivityBucket[];
  breakdown: ActivityShare[];
  /** By model, `cache_savings_usd` is the sum of the rows that have one (null when none has). */
  totals: Omit<ActivityBucket, "t"> & { cache_savings_usd?: number | null };
}

/** Most breakdown keys returned (by requests): a chart has room for a few dozen at most. */
export const BREAKDOWN_LIMIT = 100;

export interface TraceQueries {
  list(q: TraceListQuery): Promise<TracePage>;
  /** The stored record, or null when absent (or not this token's). */
  get(id: string, token?: string): Promise<TraceRecord | null>;
  activity(q: ActivityQuery): Promise<Activity>;
  /**
   * Per engine token (`token_name`), the calls started at or after `sinceMs`: the sum of their
   * `cost_usd` and how many answered calls had none (unpriced). What the budgets' ledger
   * (budgets/spend.ts) is loaded from at start and, with ClickHouse, refreshed from.
   */
  spendByToken(sinceMs: number): Promise<SpendRow[]>;
}

export const emptyTotals = (): Omit<ActivityBucket, "t"> => ({
  requests: 0,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cached_tokens: 0,
  cost_usd: 0,
  p50_ms: null,
  p95_ms: null,
});
