import { rejectRequest } from "../../errors/vocabulary.ts";
import type { ReasoningBlock } from "./wire.ts";

/**
 * Claude's thinking blocks travel to the client and back on the assistant's first tool call, in
 * this extra field. With thinking on, the API refuses a tool-use turn sent back without the
 * thinking (and signature) that preceded its tool_use blocks. The tool call is the carrier because
 * clients echo tool calls field for field, and the official openai SDK's stream accumulator keeps
 * a tool call's extra fields while it overwrites message-level extras with the last delta's value.
 * The name matches what other gateways put on the message (LiteLLM's `thinking_blocks`), which is
 * accepted there too on the way back.
 */
export const THINKING_FIELD = "thinking_blocks";

/** The blocks a client sent back on an assistant message, validated, in their original order. */
export function thinkingBlocksOf(message: Record<string, unknown>, param: string): ReasoningBlock[] {
  if (message[THINKING_FIELD] != null) return validBlocks(message[THINKING_FIELD], `${param}.${THINKING_FIELD}`);
  const calls = message.tool_calls;
  if (!Array.isArray(calls)) return [];
  const index = calls.findIndex((c) => c && typeof c === "object" && (c as Record<string, unknown>)[THINKING_FIELD] != null);
  if (index === -1) return [];
  return validBlocks((calls[index] as Record<string, unknown>)[THINKING_FIELD], `${param}.tool_calls[${index}].${THINKING_FIELD}`);
}

function validBlocks(value: unknown, param: string): ReasoningBlock[] {
  if (!Array.isArray(value)) throw rejectRequest(`${param} must be the array of thinking blocks the gateway returned`, param);
  return value.map((block: any, i) => {
    const p = `${param}[${i}]`;
    if (block?.type === "thinking" && typeof block.thinking === "string" && typeof block.signature === "string") {
      return { type: "thinking", thinking: block.thinking, signature: block.signature };
    }
    if (block?.type === "redacted_thinking" && typeof block.data === "string") return { type: "redacted_thinking", data: block.data };
    throw rejectRequest(`${p} must be a thinking block ({type, thinking, signature}) or a redacted_thinking block ({type, data}), sent back unchanged`, p);
  });
}
