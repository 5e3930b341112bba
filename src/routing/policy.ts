import type { RetryPolicy } from "../config/schema.ts";

export const DEFAULT_RETRY: Required<RetryPolicy> = {
  max_attempts: 2,
  backoff_base_ms: 250,
  backoff_max_ms: 8_000,
  retry_after_max_ms: 30_000,
  deadline_ms: 120_000,
};

export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 300_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_COOLDOWN = { failures: 3, period_ms: 30_000 };

/** What to do after a failed attempt. */
export type Verdict = "retry" | "fallback" | "return";

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504, 529]);
const TARGET_SPECIFIC = new Set([401, 403, 404]);
const CONTEXT_LENGTH = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long/i;

/**
 * Transient failures are retried on the same target, then passed to the next; failures tied to
 * this target (its key, its model, its context window) go straight to the next; a request that
 * is wrong in itself (400, 413, 422) is answered at once, since every target would refuse it.
 * `status` null means no HTTP answer: connection refused, reset, timeout.
 */
export function classify(status: number | null, error: { code?: string | null; message?: string } = {}): Verdict {
  if (status === null || RETRYABLE.has(status)) return "retry";
  if (TARGET_SPECIFIC.has(status)) return "fallback";
  if (status === 400 && (error.code === "context_length_exceeded" || CONTEXT_LENGTH.test(error.message ?? ""))) return "fallback";
  return "return";
}

/** Milliseconds the upstream asked us to wait: retry-after-ms, else Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | null {
  const ms = Number(headers["retry-after-ms"]);
  if (headers["retry-after-ms"] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = headers["retry-after"];
  if (ra === undefined) return null;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` (1 = the first retry): the upstream's own
 * Retry-After when it gave one, else exponential backoff with full jitter. null: do not wait
 * (the upstream wants longer than we accept), move on to the next target.
 */
export function backoffMs(retry: number, policy: Required<RetryPolicy>, upstreamMs: number | null, random: () => number = Math.random): number | null {
  if (upstreamMs !== null) return upstreamMs > policy.retry_after_max_ms ? null : upstreamMs;
  const ceiling = Math.min(policy.backoff_max_ms, policy.backoff_base_ms * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
