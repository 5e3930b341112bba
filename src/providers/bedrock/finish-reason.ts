import { lookup } from "../lookup.ts";
/**
 * Converse stopReason → OpenAI finish_reason. A filtered answer is content_filter whether a
 * guardrail or the model's own filter stopped it; running out of context is a length stop like
 * max_tokens. Malformed output (malformed_model_output, malformed_tool_use) has no OpenAI name
 * and ends the turn like a plain stop.
 */
const FINISH: Readonly<Record<string, string>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
};

export function toFinishReason(stopReason: unknown): string {
  return (typeof stopReason === "string" && lookup(FINISH, stopReason)) || "stop";
}
