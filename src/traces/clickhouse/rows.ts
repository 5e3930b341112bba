import { eachInSlices } from "../next-turn.ts";
import { TraceRecord } from "../record.ts";

/**
 * TraceRecord ↔ ClickHouse. Writing produces one JSONEachRow object per record in the columns of
 * `traces`; reading takes rows of the `trace_records` view back to TraceRecords. Values are clamped to their column types here, because a row
 * the server refuses would otherwise hold its whole batch back forever.
 */

const U32 = 0xffff_ffff;

function clampInt(n: number, max: number): number {
  if (!Number.isFinite(n)) return 0;
  return Math.min(max, Math.max(0, Math.round(n)));
}

const u32 = (n: number | null) => (n === null ? null : clampInt(n, U32));
const finite = (n: number) => (Number.isFinite(n) ? n : 0);
const finiteOrNull = (n: number | null) => (n === null || !Number.isFinite(n) ? null : n);
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

function epochMs(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : Math.max(0, ms);
}

/** toISOString's own form, `2025-03-01T12:00:00.123Z`: what every record the engine writes holds. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** `2025-03-01 12:00:00.123`: what DateTime64(3, 'UTC') parses without best-effort settings. */
function dateTime64(iso: string): string {
  // Three per row: cut, not parsed and printed again, unless the text is not toISOString's.
  if (CANONICAL.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return new Date(epochMs(iso)).toISOString().replace("T", " ").replace("Z", "");
}

export type Row = Record<string, string | number | boolean | null | Record<string, string>>;

export function toRow(r: TraceRecord, batchId: string): Row {
  return {
    id: r.id,
    api: r.api,
    ts_start: dateTime64(r.ts_start),
    ts_first_byte: r.ts_first_byte === null ? null : dateTime64(r.ts_first_byte),
    ts_end: dateTime64(r.ts_end),
    alias: r.alias,
    token_name: r.token_name,
    user: r.user ?? null,
    session_id: r.session_id ?? null,
    tags: r.tags ?? {},
    requested_model: r.requested_model,
    selected_model: r.selected_model,
    provider: r.provider,
    status: r.status,
    http_status: clampInt(r.http_status, 0xffff),
    error_type: r.error_type,
    error_message: r.error_message,
    stream: r.stream,
    input_tokens: u32(r.input_tokens),
    output_tokens: u32(r.output_tokens),
    cached_tokens: u32(r.cached_tokens),
    reasoning_tokens: u32(r.reasoning_tokens),
    cost_usd: finiteOrNull(r.cost_usd),
    latency_ms: finite(r.latency_ms),
    ttft_ms: finiteOrNull(r.ttft_ms),
    finish_reason: r.finish_reason,
    tool_calls: clampInt(r.tool_calls, 0xffff),
    attempts: JSON.stringify(r.attempts),
    request: json(r.request),
    request_params: json(r.request_params),
    response: json(r.response),
    batch_id: batchId,
  };
}

const rowLine = (r: TraceRecord, batchId: string) => `${JSON.stringify(toRow(r, batchId))}\n`;

/** JSONEachRow text of the records, one line each, for one insert. */
export function rowsText(records: readonly TraceRecord[], batchId: string): string {
  let text = "";
  for (const r of records) text += rowLine(r, batchId);
  return text;
}

/**
 * rowsText a slice at a time, serving requests in between: a second's batch at a few thousand
 * requests per second is tens of milliseconds of encoding, which in one go is every request's p99.
 */
export async function rowsTextInSlices(records: readonly TraceRecord[], batchId: string): Promise<string> {
  let text = "";
  await eachInSlices(records, (r) => (text += rowLine(r, batchId)));
  return text;
}

/** The columns of `trace_records` that make a TraceRecord, in the record's order. */
export const RECORD_COLUMNS = [
  "id",
  "ts_start",
  "ts_first_byte",
  "ts_end",
  "alias",
  "requested_model",
  "selected_model",
  "provider",
  "status",
  "http_status",
  "error_type",
  "error_message",
  "stream",
  "input_tokens",
  "output_tokens",
  "cached_tokens",
  "reasoning_tokens",
  "cost_usd",
  "latency_ms",
  "ttft_ms",
  "finish_reason",
  "tool_calls",
  "attempts",
  "request",
  "response",
  "token_name",
  "user",
  "session_id",
  "tags",
  "api",
  "request_params",
] as const;

// 64-bit integers arrive quoted in JSON output; everything numeric is taken through Number().
const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const parsed = (v: unknown) => (v === null || v === undefined ? null : JSON.parse(String(v)));

/** A `trace_records` row back to a TraceRecord; throws (zod) when the row is not one. */
export function fromRow(row: Record<string, unknown>): TraceRecord {
  return TraceRecord.parse({
    id: row.id,
    api: row.api ?? "chat",
    ts_start: row.ts_start,
    ts_first_byte: row.ts_first_byte ?? null,
    ts_end: row.ts_end,
    alias: row.alias ?? null,
    token_name: row.token_name ?? null,
    user: row.user ?? null,
    session_id: row.session_id ?? null,
    tags: row.tags ?? {},
    requested_model: row.requested_model,
    selected_model: row.selected_model ?? null,
    provider: row.provider ?? null,
    status: row.status,
    http_status: num(row.http_status),
    error_type: row.error_type ?? null,
    error_message: row.error_message ?? null,
    stream: num(row.stream) === 1 || row.stream === true,
    input_tokens: numOrNull(row.input_tokens),
    output_tokens: numOrNull(row.output_tokens),
    cached_tokens: numOrNull(row.cached_tokens),
    reasoning_tokens: numOrNull(row.reasoning_tokens),
    cost_usd: numOrNull(row.cost_usd),
    latency_ms: num(row.latency_ms),
    ttft_ms: numOrNull(row.ttft_ms),
    finish_reason: row.finish_reason ?? null,
    tool_calls: num(row.tool_calls),
    attempts: parsed(row.attempts) ?? [],
    request: parsed(row.request),
    request_params: parsed(row.request_params),
    response: parsed(row.response),
  });
}
