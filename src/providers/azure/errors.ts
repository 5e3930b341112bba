import { errorTypeForStatus } from "../../openai/errors.ts";
import { mapError as mapOpenAIError } from "../openai/errors.ts";
import type { MappedError, Target } from "../types.ts";
import { errorJson } from "../upstream-json.ts";

/**
 * Azure's errors are OpenAI's envelope with Azure's habits: `type` null or missing, `code` a string
 * of the status ("401", "429") or a name ("DeploymentNotFound", "content_filter"), and for content
 * filtering an `innererror` saying which category tripped. The OpenAI mapping is reused; the type
 * is derived from the status where Azure gives none, and `innererror` is kept for the client.
 */
export function mapError(status: number, text: string, headers: Headers, target: Target): MappedError {
  const mapped = mapOpenAIError(status, text, headers, target);
  const upstream = errorObject(text);
  if (!upstream) return mapped;
  if (typeof upstream.type !== "string") mapped.error.type = errorTypeForStatus(status);
  if (upstream.innererror !== undefined) {
    mapped.error = { ...mapped.error, innererror: upstream.innererror } as MappedError["error"];
  }
  return mapped;
}

function errorObject(text: string): Record<string, unknown> | null {
  const parsed = errorJson(text);
  return parsed?.error && typeof parsed.error === "object" ? parsed.error : null;
}
