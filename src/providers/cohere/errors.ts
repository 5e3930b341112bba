import { errorTypeForStatus } from "../../openai/errors.ts";
import { genericError, retryHeaders } from "../errors.ts";
import type { MappedError } from "../types.ts";
import { errorJson } from "../upstream-json.ts";
import { PROVIDER } from "./wire.ts";

const MODEL_NOT_FOUND = /^model '.*' not found/;

/**
 * Cohere's error body (`{"id": "...", "message": "..."}`) → OpenAI's error shape, keeping the status
 * (400, 401, 402, 404, 422, 429, 498, 499, 500, 503, ...), Cohere's message and Retry-After.
 */
export function mapError(status: number, text: string, headers: Headers): MappedError {
  const message = errorJson(text)?.message;
  // Not JSON (a proxy's HTML page) or not Cohere's shape: the generic message quotes the text.
  if (typeof message !== "string") return genericError(PROVIDER, status, text, headers);
  return {
    status,
    error: { message, type: errorTypeForStatus(status), param: null, code: codeFor(status, message) },
    headers: retryHeaders(headers),
  };
}

/** OpenAI's codes where the meaning is the same, so clients that branch on `code` keep working. */
function codeFor(status: number, message: string): string | null {
  if (status === 401) return "invalid_api_key";
  if (status === 402) return "insufficient_quota";
  if (status === 429) return "rate_limit_exceeded";
  if (status === 404 && MODEL_NOT_FOUND.test(message)) return "model_not_found";
  return null;
}
