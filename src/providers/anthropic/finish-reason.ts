import { lookup } from "../lookup.ts";
/**
 * Anthropic `stop_reason` → OpenAI `finish_reason`. `pause_turn` (a server tool's long turn was
 * paused; the client may send it back to continue) has no OpenAI counterpart and the answer so far
 * is complete text, so it is "stop". A refusal is OpenAI's "content_filter". Running out of context
 * is, like max_tokens, an answer cut off by a length limit. An unknown future reason is "stop".
 */
const FINISH: Readonly<Record<string, string>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

export function toFinishReason(stopReason: unknown): string {
  return (typeof stopReason === "string" && lookup(FINISH, stopReason)) || "stop";
}
