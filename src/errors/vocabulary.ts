/**
 * The engine's error vocabulary: every error the engine itself raises has a code from this table,
 * and the table decides its HTTP status, its OpenAI `type` (the SDKs pick their exception class
 * from the status, and scripts match on type and code), who is at fault, and whether trying again
 * can help. Errors an upstream reports in its own words are mapped by its provider module and
 * keep the upstream's code; their fault is always "upstream".
 *
 * - client: the request itself is wrong or the caller left; no retry helps until it changes.
 * - upstream: the provider failed, refused, or broke its protocol.
 * - engine: this engine's own limits or configuration (no key for a provider, at capacity) or a bug.
 *
 * The trace's `error_type` is the `type` column of this table, or the upstream's type, or
 * `client_disconnected`; docs/ARCHITECTURE.md lists the table for readers of traces.
 */
export type Fault = "client" | "upstream" | "engine";

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "api_error"
  | "upstream_error"
  | "client_disconnected";

interface ErrorKind {
  status: number;
  type: ErrorType;
  fault: Fault;
  /** Whether the same request may succeed if sent again (elsewhere, or later). */
  retryable: boolean;
}

const kind = (status: number, type: ErrorType, fault: Fault, retryable = false): ErrorKind => ({ status, type, fault, retryable });

export const ERRORS = {
  // The caller's request.
  invalid_json: kind(400, "invalid_request_error", "client"),
  invalid_value: kind(400, "invalid_request_error", "client"),
  too_deep: kind(400, "invalid_request_error", "client"),
  too_many_messages: kind(400, "invalid_request_error", "client"),
  unsupported_parameter: kind(400, "invalid_request_error", "client"),
  model_not_found: kind(404, "invalid_request_error", "client"),
  unknown_url: kind(404, "invalid_request_error", "client"),
  trace_not_found: kind(404, "invalid_request_error", "client"),
  request_timeout: kind(408, "invalid_request_error", "client"),
  request_too_large: kind(413, "invalid_request_error", "client"),
  invalid_api_key: kind(401, "invalid_request_error", "client"),
  origin_not_allowed: kind(403, "invalid_request_error", "client"),
  csrf_required: kind(403, "invalid_request_error", "client"),
  admin_required: kind(403, "permission_error", "client"),
  setting_not_found: kind(404, "invalid_request_error", "client"),
  setting_in_use: kind(409, "invalid_request_error", "client"),
  client_disconnected: kind(499, "client_disconnected", "client"),
  // The caller's engine token and its limits (src/budgets/).
  token_expired: kind(401, "invalid_request_error", "client"),
  model_not_allowed: kind(403, "permission_error", "client"),
  rate_limit_exceeded: kind(429, "rate_limit_error", "client", true),
  insufficient_quota: kind(429, "insufficient_quota", "client"),
  // The caller's request, refused by the upstream for a reason the engine names.
  content_filter: kind(400, "invalid_request_error", "client"),
  missing_thought_signature: kind(400, "invalid_request_error", "client"),
  /** `serve --replay`: the upstream request is not in the cassette (src/cassettes/replay.ts names the nearest one). */
  cassette_miss: kind(400, "invalid_request_error", "client"),
  // This engine.
  missing_api_key: kind(401, "authentication_error", "engine"),
  provider_key_rejected: kind(401, "authentication_error", "engine"),
  engine_overloaded: kind(429, "rate_limit_error", "engine", true),
  internal_error: kind(500, "api_error", "engine"),
  traces_unavailable: kind(503, "api_error", "engine"),
  /** A settings file broken by hand, or sealed keys this engine cannot open: a change would be refused by the engine too. */
  settings_unusable: kind(409, "api_error", "engine"),
  // The upstream, in the engine's words (it sent nothing usable, or too late).
  upstream_unreachable: kind(502, "upstream_error", "upstream", true),
  upstream_interrupted: kind(502, "upstream_error", "upstream", true),
  stream_interrupted: kind(502, "upstream_error", "upstream", true),
  bad_upstream_response: kind(502, "upstream_error", "upstream", true),
  stream_error: kind(502, "upstream_error", "upstream", true),
  generation_error: kind(502, "upstream_error", "upstream", true),
  response_too_large: kind(502, "upstream_error", "upstream"),
  first_byte_timeout: kind(504, "upstream_error", "upstream", true),
  idle_timeout: kind(504, "upstream_error", "upstream", true),
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERRORS;

/** An error in the engine's vocabulary, thrown by a pipeline step and answered in the caller's API shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly fault: Fault;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    const k = ERRORS[code];
    this.status = k.status;
    this.type = k.type;
    this.fault = k.fault;
  }
}

/** What every API's error renderer takes: the status, OpenAI's error members, and headers the client may act on (Retry-After). */
export interface WireError {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null };
  headers: Record<string, string>;
}

export const toWire = (e: ApiError): WireError => ({
  status: e.status,
  error: { message: e.message, type: e.type, param: e.param, code: e.code },
  headers: e.headers,
});

/** A request the target cannot honour (n > 1 on Anthropic, an audio part, ...): 400 naming the parameter, never a silent drop. */
export const rejectRequest = (message: string, param: string | null): ApiError => new ApiError("unsupported_parameter", message, param);
