import { upstreamFailure } from "../errors.ts";
import { lookup } from "../lookup.ts";

const FINISH_REASONS: Readonly<Record<string, string>> = {
  COMPLETE: "stop",
  STOP_SEQUENCE: "stop",
  MAX_TOKENS: "length",
  TOOL_CALL: "tool_calls",
  // Cut off by Cohere's time limit: an answer truncated like one that ran out of tokens.
  TIMEOUT: "length",
};

/**
 * OpenAI's finish_reason for Cohere's. `ERROR` (or an `error` text on `message-end`) means the
 * generation failed; OpenAI has no finish reason for that, and a client reading only the text
 * would take a broken answer for a whole one, so it becomes an error the client sees.
 */
export function toFinishReason(reason: unknown, error?: unknown): string {
  if (reason === "ERROR" || (typeof error === "string" && error)) {
    const detail = typeof error === "string" && error ? error : "the generation failed (finish_reason ERROR)";
    throw upstreamFailure("generation_error", `cohere could not finish the answer: ${detail}`);
  }
  if (typeof reason !== "string" || !reason) return "stop";
  return lookup(FINISH_REASONS, reason) ?? reason.toLowerCase();
}
