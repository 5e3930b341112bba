import { errorTypeForStatus } from "../../openai/errors.ts";
import { genericError, retryHeaders } from "../errors.ts";
import type { MappedError, Target } from "../types.ts";
import { errorJson } from "../upstream-json.ts";

export function mapError(status: number, text: string, headers: Headers, target: Target): MappedError {
  const parsed = errorJson(text);
  if (parsed?.error && typeof parsed.error === "object") return errorFromBody(parsed.error, status, headers);
  // Some hosts (and proxies in front of them) send `{"error": "text"}` or `{"message": ...}`.
  const message = typeof parsed?.error === "string" ? parsed.error : typeof parsed?.message === "string" ? parsed.message : null;
  const mapped = genericError(target.provider.name, status, message ? "" : text, headers);
  if (message) mapped.error.message = message;
  return mapped;
}

/** OpenAI's error object, with what a host left out or mistyped filled in from the status. */
export function errorFromBody(err: any, status: number, headers: Headers): MappedError {
  return {
    status,
    error: {
      message: typeof err.message === "string" ? err.message : JSON.stringify(err),
      type: typeof err.type === "string" ? err.type : errorTypeForStatus(status),
      param: typeof err.param === "string" ? err.param : null,
      code: err.code == null ? null : String(err.code),
    },
    headers: retryHeaders(headers),
  };
}
