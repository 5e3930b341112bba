import { z } from "zod";

/**
 * One record per request. The request path fills a plain object; the background writer is the
 * only place that serialises it. Field names are snake_case because they are a storage contract
 * (local JSON lines now, ClickHouse columns later).
 */
export const TraceAttempt = z.object({
  model: z.string(),
  provider: z.string(),
  status: z.number().int().nullable(),
  error_type: z.string().nullable(),
  latency_ms: z.number(),
  /**
   * Milliseconds from the request's start to this attempt's start, so a waterfall can show the
   * waits between retries. Lines and rows written before it existed read as null.
   */
  start_ms: z.number().nullable().default(null),
  /** first try, a retry on the same target, or a fallback to the next one */
  kind: z.enum(["first", "retry", "fallback"]),
});
export type TraceAttempt = z.infer<typeof TraceAttempt>;

/** The endpoints that write traces. Stored as a string: a reader meets values of newer engines without failing. */
export type TraceApi = "chat" | "messages" | "embeddings" | "responses";

export const TraceRecord = z.object({
  id: z.string(),
  /**
   * The API called: "chat" (/v1/chat/completions), "messages" (Anthropic's /v1/messages),
   * "embeddings" (/v1/embeddings), "responses" (OpenAI's /v1/responses). Lines and rows written before it existed read as "chat".
   */
  api: z.string().default("chat"),
  ts_start: z.string(), // ISO-8601 UTC with milliseconds
  ts_first_byte: z.string().nullable(),
  ts_end: z.string(),
  alias: z.string().nullable(),
  /** Name of the engine token that made the call; null when the engine runs without tokens. */
  token_name: z.string().nullable(),
  /** Who the caller says the end user is: the body's `user`, else the X-OpenTracy-User header. */
  user: z.string().nullable().default(null),
  /** X-OpenTracy-Session-Id: groups the calls of one conversation or job. */
  session_id: z.string().nullable().default(null),
  /** The caller's W3C `traceparent`, so an exported span joins the caller's trace. Not a ClickHouse column. */
  traceparent: z.string().nullable().default(null),
  /** The upstream's id for its answer, for gen_ai.response.id. Not a ClickHouse column. */
  response_id: z.string().nullable().default(null),
  /** X-OpenTracy-Tags and the body's `metadata` (strings only). Lines written before tags existed read as {}. */
  tags: z.record(z.string(), z.string()).default({}),
  requested_model: z.string(),
  selected_model: z.string().nullable(), // provider/model
  provider: z.string().nullable(),
  status: z.enum(["ok", "error"]),
  http_status: z.number().int(),
  error_type: z.string().nullable(),
  error_message: z.string().nullable(),
  stream: z.boolean(),
  input_tokens: z.number().int().nullable(),
  output_tokens: z.number().int().nullable(),
  cached_tokens: z.number().int().nullable(),
  reasoning_tokens: z.number().int().nullable(),
  cost_usd: z.number().nullable(),
  latency_ms: z.number(),
  ttft_ms: z.number().nullable(),
  finish_reason: z.string().nullable(),
  tool_calls: z.number().int(),
  attempts: z.array(TraceAttempt),
  /** The request's messages, or null when OPENTRACY_TRACE_CONTENT=false. */
  request: z.unknown().nullable(),
  /**
   * The rest of the chat request as the client sent it, before an alias added its params
   * (tools, tool_choice, response_format, temperature, max_tokens, …; never model, messages or
   * stream), so a trace can be exported as a fine-tuning example or replayed against another
   * model. Null with content off, for embeddings, and in records written before it existed.
   */
  request_params: z.record(z.string(), z.unknown()).nullable().default(null),
  /** The answer's message (content, tool_calls, reasoning), or null when content is off. */
  response: z.unknown().nullable(),
});
export type TraceRecord = z.infer<typeof TraceRecord>;
