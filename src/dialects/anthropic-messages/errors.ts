import type { WireError } from "../../errors/vocabulary.ts";

/** The error types of Anthropic's API (docs: API errors), the ones its SDKs and Claude Code know. */
const ANTHROPIC_TYPES = new Set([
  "invalid_request_error",
  "authentication_error",
  "billing_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "timeout_error",
  "overloaded_error",
]);

export interface AnthropicError {
  status: number;
  body: { type: "error"; error: { type: string; message: string }; request_id: string | null };
  headers: Record<string, string>;
}

/**
 * The one place an error in the engine's vocabulary (or an upstream's, already mapped to OpenAI's
 * shape) becomes Anthropic's: `{"type":"error","error":{"type","message"}}` with the status its
 * SDKs pick their exception class from.
 *
 * - The engine at capacity (`engine_overloaded`) is 529 `overloaded_error`, Anthropic's "try again
 *   shortly", which Claude Code and the SDKs retry; an upstream's 529 stays 529.
 * - An upstream that already said which Anthropic type it was (an Anthropic target) keeps it.
 * - Otherwise by status: 400/408/409/422 invalid_request_error, 401 authentication_error, 402
 *   billing_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429
 *   rate_limit_error (with retry-after as the upstream sent it), 504 timeout_error, 529
 *   overloaded_error, any other 5xx api_error.
 */
export function anthropicError(e: WireError, requestId: string | null = null): AnthropicError {
  let status = e.status;
  let type: string;
  if (e.error.code === "engine_overloaded") {
    status = 529;
    type = "overloaded_error";
  } else if (ANTHROPIC_TYPES.has(e.error.type) && e.error.type !== "invalid_request_error") {
    type = e.error.type;
  } else {
    type = typeForStatus(status);
  }
  return { status, body: { type: "error", error: { type, message: e.error.message }, request_id: requestId }, headers: e.headers };
}

export function typeForStatus(status: number): string {
  switch (status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
  }
  return status >= 500 ? "api_error" : "invalid_request_error";
}

/** The error as an HTTP response (JSON body, the client's retry headers, and any extra headers). */
export function anthropicErrorResponse(e: WireError, headers: Record<string, string> = {}, requestId: string | null = null): Response {
  const out = anthropicError(e, requestId);
  return new Response(JSON.stringify(out.body), {
    status: out.status,
    headers: { ...out.headers, ...headers, "content-type": "application/json" },
  });
}
