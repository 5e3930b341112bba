import { costUSD } from "../pricing/cost.ts";
import type { ChatRequestBody, Usage } from "../openai/schema.ts";
import type { Config } from "../config/schema.ts";
import type { AttemptRecorder } from "../routing/run-attempts.ts";
import type { TraceApi, TraceAttempt, TraceRecord } from "../traces/record.ts";

/** Shared by every call without tags: never mutated (metadata.ts builds a new object). */
const NO_TAGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export type AttemptKind = TraceAttempt["kind"];

/** The API a call came in through, as its trace records it. */
export type Api = TraceApi;

/** What a finished request records about its failure; null when it succeeded. */
export interface TraceError {
  type: string;
  message: string;
}

/**
 * Everything one request accumulates on its way through, and the single place that turns it
 * into the response extras and the trace record. Plain fields, no serialisation here, and no
 * say in what happens to the record (pipeline/finish.ts sends it).
 */
export class Call implements AttemptRecorder {
  readonly id = Bun.randomUUIDv7();
  readonly t0 = performance.now();
  readonly startedAt = Date.now();
  api: Api = "chat";
  firstByteAt: number | null = null;
  requested = "";
  alias: string | null = null;
  tokenName: string | null = null;
  /** The token's allowed models, aliases and providers (`TokenEntry.allow`); undefined: any. */
  allow: readonly string[] | undefined = undefined;
  user: string | null = null;
  sessionId: string | null = null;
  traceparent: string | null = null;
  /** The upstream's id for its answer (`chatcmpl-…`, `msg_…`), as the client received it. */
  responseId: string | null = null;
  tags: Record<string, string> = NO_TAGS;
  strategy: "fallback" | "weighted" | null = null;
  provider: string | null = null;
  model: string | null = null;
  stream = false;
  usage: Usage | null = null;
  cost: number | null = null;
  finishReason: string | null = null;
  toolCalls = 0;
  request: unknown = null;
  /** The client's chat request (or its translation), whose other fields the trace keeps as `request_params`. */
  body: ChatRequestBody | null = null;
  response: unknown = null;
  attempts: TraceAttempt[] = [];

  get selectedModel(): string | null {
    return this.provider && this.model ? `${this.provider}/${this.model}` : null;
  }

  /** Milliseconds since `t0` (performance.now()), to the microsecond; the request's start by default. */
  elapsedMs(t0 = this.t0): number {
    return Math.round((performance.now() - t0) * 1000) / 1000;
  }

  markFirstByte(): void {
    if (this.firstByteAt === null) this.firstByteAt = Date.now();
  }

  onTarget(provider: string, model: string): void {
    this.provider = provider;
    this.model = model;
  }

  /** One try against the current provider/model that started at `t0` (performance.now()). */
  attempt(status: number | null, errorType: string | null, kind: AttemptKind, t0: number): void {
    this.attempts.push({
      model: this.selectedModel ?? this.requested,
      provider: this.provider ?? "",
      status,
      error_type: errorType,
      latency_ms: this.elapsedMs(t0),
      start_ms: Math.round((t0 - this.t0) * 1000) / 1000,
      kind,
    });
  }

  /** Usage from the upstream, priced with the catalogue and the config's overrides. */
  setUsage(usage: Usage | null | undefined, config: Config, responseModel?: string): void {
    if (!usage) return;
    this.usage = usage;
    if (!this.provider || !this.model) return;
    const u = {
      input_tokens: usage.prompt_tokens ?? 0,
      output_tokens: usage.completion_tokens ?? 0,
      cache_read_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      cache_write_tokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0,
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    };
    this.cost = costUSD(this.provider, this.model, u, config.prices);
    // The upstream may name a dated snapshot the catalogue knows when our id is a moving alias.
    if (this.cost === null && responseModel && responseModel !== this.model) {
      this.cost = costUSD(this.provider, responseModel, u, config.prices);
    }
  }

  extras(): { _cost: number | null; _latency_ms: number; _routing: Record<string, unknown> } {
    return {
      _cost: this.cost,
      _latency_ms: this.elapsedMs(),
      _routing: {
        alias: this.alias,
        strategy: this.strategy,
        selected_model: this.selectedModel,
        provider: this.provider,
        attempts: this.attempts,
      },
    };
  }

  toRecord(httpStatus: number, error: TraceError | null): TraceRecord {
    const end = Date.now();
    return {
      id: this.id,
      api: this.api,
      ts_start: new Date(this.startedAt).toISOString(),
      ts_first_byte: this.firstByteAt === null ? null : new Date(this.firstByteAt).toISOString(),
      ts_end: new Date(end).toISOString(),
      alias: this.alias,
      token_name: this.tokenName,
      user: this.user,
      session_id: this.sessionId,
      traceparent: this.traceparent,
      response_id: this.responseId,
      tags: this.tags,
      requested_model: this.requested,
      selected_model: this.selectedModel,
      provider: this.provider,
      status: error ? "error" : "ok",
      http_status: httpStatus,
      error_type: error?.type ?? null,
      error_message: error?.message ?? null,
      stream: this.stream,
      input_tokens: this.usage?.prompt_tokens ?? null,
      output_tokens: this.usage?.completion_tokens ?? null,
      cached_tokens: this.usage ? (this.usage.prompt_tokens_details?.cached_tokens ?? 0) : null,
      reasoning_tokens: this.usage ? (this.usage.completion_tokens_details?.reasoning_tokens ?? 0) : null,
      cost_usd: this.cost,
      latency_ms: this.elapsedMs(),
      ttft_ms: this.firstByteAt === null ? null : this.firstByteAt - this.startedAt,
      finish_reason: this.finishReason,
      tool_calls: this.toolCalls,
      attempts: this.attempts,
      request: this.request,
      request_params: this.body && requestParams(this.body),
      response: this.response,
    };
  }
}

/** A chat request without what the trace keeps elsewhere (messages, model) or that describes the transport (stream). */
function requestParams(body: ChatRequestBody): Record<string, unknown> {
  const { messages: _m, model: _model, stream: _s, stream_options: _o, ...params } = body;
  return params;
}
