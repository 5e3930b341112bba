import { ApiError, toWire, type WireError } from "../errors/vocabulary.ts";

/** An error as OpenAI's API answers one: `{"error": {message, type, param, code}}` with its status and the upstream's Retry-After. */
export function openaiErrorResponse(e: ApiError | WireError, headers: Record<string, string> = {}): Response {
  const wire = e instanceof ApiError ? toWire(e) : e;
  return new Response(JSON.stringify({ error: wire.error }), {
    status: wire.status,
    headers: { ...wire.headers, ...headers, "content-type": "application/json" },
  });
}

/** Type names OpenAI uses per status, so SDKs map our errors to the same exception classes. */
export function errorTypeForStatus(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "invalid_request_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}
