import { genericError, retryHeaders, UpstreamError } from "../errors.ts";
import type { MappedError } from "../types.ts";
import type { ErrorBody } from "./wire.ts";
import { lookup } from "../lookup.ts";
import { errorJson } from "../upstream-json.ts";
import { PROVIDER } from "./wire.ts";

/**
 * The HTTP status of each Anthropic error type (platform.claude.com/docs/en/api/errors), for the
 * errors that arrive without one: an `error` event in the middle of a 200 stream.
 */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * Anthropic's `{"type":"error","error":{"type","message"},"request_id"}` → OpenAI's error shape.
 * The status is kept as the API sent it, 529 included: it means "overloaded, retry later", which
 * the openai SDK already treats as a retryable server error (any status ≥ 500), and a client that
 * looks closer sees Anthropic's own `overloaded_error` type. The type and message are Anthropic's
 * own, unchanged. Headers that tell a client when and whether to retry come along (retry-after,
 * x-should-retry, which both SDKs honour, and Anthropic's rate-limit headers), and the request id
 * becomes x-request-id, where the openai SDK looks for it (`err.request_id`).
 */
export function mapError(status: number, text: string, headers: Headers): MappedError {
  const parsed = errorJson(text);
  const body = isErrorBody(parsed) ? parsed : null;
  const out = body ? fromBody(body, status) : genericError(PROVIDER, status, text, headers);
  out.headers = { ...passHeaders(headers), ...out.headers };
  const requestId = body?.request_id ?? headers.get("request-id");
  if (requestId) out.headers["x-request-id"] = requestId;
  return out;
}

/** An `error` event inside a stream (or an error body where a message was expected). */
export function streamError(body: ErrorBody): UpstreamError {
  const mapped = fromBody(body, lookup(STATUS_OF_TYPE, String(body.error.type)) ?? 502);
  if (body.request_id) mapped.headers["x-request-id"] = body.request_id;
  return new UpstreamError(mapped);
}

export function isErrorBody(value: unknown): value is ErrorBody {
  const v = value as ErrorBody | null;
  return !!v && typeof v === "object" && v.type === "error" && !!v.error && typeof v.error === "object";
}

function fromBody(body: ErrorBody, status: number): MappedError {
  const err = body.error;
  return {
    status,
    error: {
      message: typeof err.message === "string" ? err.message : JSON.stringify(err),
      type: typeof err.type === "string" ? err.type : "api_error",
      param: null,
      code: typeof err.details?.error_code === "string" ? err.details.error_code : null,
    },
    headers: {},
  };
}

function passHeaders(headers: Headers): Record<string, string> {
  const out = retryHeaders(headers);
  const shouldRetry = headers.get("x-should-retry");
  if (shouldRetry !== null) out["x-should-retry"] = shouldRetry;
  for (const [k, v] of headers) if (k.startsWith("anthropic-ratelimit-")) out[k] = v;
  return out;
}
