import { TraceRecord } from "../../src/traces/record.ts";

/**
 * Valid TraceRecords for tests. Each call gets a distinct id and a start time one second after
 * the previous one, so tests can tell records apart and check order without spelling out every
 * field; pass overrides for the fields a test is about.
 */
let seq = 0;
const BASE = Date.parse("2025-03-01T12:00:00.000Z");

export function makeTrace(overrides: Partial<TraceRecord> = {}): TraceRecord {
  const n = seq++;
  const start = new Date(BASE + n * 1000);
  const end = new Date(start.getTime() + 420);
  const record: TraceRecord = {
    id: `trace-${String(n).padStart(6, "0")}`,
    api: "chat",
    ts_start: start.toISOString(),
    ts_first_byte: new Date(start.getTime() + 150).toISOString(),
    ts_end: end.toISOString(),
    alias: null,
    token_name: null,
    user: null,
    session_id: null,
    traceparent: null,
    response_id: null,
    tags: {},
    requested_model: "openai/gpt-4o-mini",
    selected_model: "openai/gpt-4o-mini",
    provider: "openai",
    status: "ok",
    http_status: 200,
    error_type: null,
    error_message: null,
    stream: false,
    input_tokens: 12,
    output_tokens: 34,
    cached_tokens: 0,
    reasoning_tokens: null,
    cost_usd: 0.0000222,
    latency_ms: 420,
    ttft_ms: 150,
    finish_reason: "stop",
    tool_calls: 0,
    attempts: [{ model: "openai/gpt-4o-mini", provider: "openai", status: 200, error_type: null, latency_ms: 410, start_ms: 0.5, kind: "first" }],
    request: [{ role: "user", content: `hello ${n}` }],
    request_params: null,
    response: { role: "assistant", content: `hi ${n}` },
    ...overrides,
  };
  // Fail in the factory, not deep inside a test, when an override breaks the contract.
  return TraceRecord.parse(record);
}

/** A failed call as the gateway records it: no tokens, no cost, the upstream's error. */
export function makeErrorTrace(overrides: Partial<TraceRecord> = {}): TraceRecord {
  return makeTrace({
    status: "error",
    http_status: 429,
    error_type: "rate_limit_error",
    error_message: "Rate limit reached",
    input_tokens: null,
    output_tokens: null,
    cached_tokens: null,
    cost_usd: null,
    finish_reason: null,
    ttft_ms: null,
    ts_first_byte: null,
    response: null,
    ...overrides,
  });
}

/** The bytes the writer appends for these records. */
export function toLines(records: TraceRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}
