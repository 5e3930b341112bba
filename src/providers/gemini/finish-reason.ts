import { UpstreamError, upstreamFailure } from "../errors.ts";

const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "LANGUAGE",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
  "ESCALATION",
]);

/** The model produced a call it could not finish; an empty "stop" would hide that from an agent loop. */
const BROKEN_CALL = new Set(["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS", "MALFORMED_RESPONSE"]);

/**
 * Gemini finishReason → OpenAI finish_reason. STOP is "tool_calls" when the candidate called
 * functions (Gemini says STOP either way). Reasons meaning the answer is unusable throw instead:
 * MALFORMED_FUNCTION_CALL and kin → 502 (a retry or fallback may well succeed),
 * MISSING_THOUGHT_SIGNATURE → 400 (the client dropped `extra_content` from a tool call).
 * Anything else (OTHER, FINISH_REASON_UNSPECIFIED, future values) is "stop".
 */
export function toFinishReason(reason: string, hasToolCalls: boolean, finishMessage?: string): string {
  if (reason === "MAX_TOKENS") return "length";
  if (FILTERED.has(reason)) return "content_filter";
  const detail = finishMessage ? `: ${finishMessage}` : "";
  if (BROKEN_CALL.has(reason)) {
    throw new UpstreamError({
      status: 502,
      error: { message: `Gemini stopped with finishReason ${reason}${detail}`, type: "upstream_error", param: null, code: reason.toLowerCase() },
      headers: {},
    });
  }
  if (reason === "MISSING_THOUGHT_SIGNATURE") {
    throw upstreamFailure(
      "missing_thought_signature",
      `Gemini stopped with finishReason MISSING_THOUGHT_SIGNATURE${detail}. Send assistant tool_calls back with their extra_content.google.thought_signature unchanged.`,
      "messages",
    );
  }
  return hasToolCalls ? "tool_calls" : "stop";
}

/**
 * A prompt Gemini refused to answer (promptFeedback.blockReason, no candidates). Like Azure
 * OpenAI's prompt filter, this is a 400 with code content_filter, not an empty answer.
 */
export function promptBlocked(feedback: { blockReason?: string; blockReasonMessage?: string }): UpstreamError {
  const why = feedback.blockReasonMessage ? ` ${feedback.blockReasonMessage}` : "";
  return upstreamFailure("content_filter", `Gemini blocked the prompt (blockReason: ${feedback.blockReason}).${why}`, "messages");
}
