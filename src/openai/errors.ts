/** OpenAI's error envelope; every error the engine answers uses it, whatever went wrong. */
export interface OpenAIError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export function errorJson(
  status: number,
  message: string,
  type: string,
  opts: { param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
): Response {
  const body: { error: OpenAIError } = {
    error: { message, type, param: opts.param ?? null, code: opts.code ?? null },
  };
  const headers = new Headers(opts.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status, headers });
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
