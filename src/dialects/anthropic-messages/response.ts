import type { ChatCompletion, Usage } from "../../openai/schema.ts";

/** Anthropic's `usage`: input_tokens is the uncached input only; cache reads and writes are counted apart. */
export interface MessagesUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

/**
 * OpenAI `finish_reason` → Anthropic `stop_reason`. OpenAI's "stop" covers both the end of a turn
 * and a stop sequence, and does not say which: it is end_turn.
 */
export function stopReason(finish: string | null | undefined): StopReason {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/** OpenAI usage (prompt_tokens counts cache reads and writes) → Anthropic's separate counts. */
export function messagesUsage(u: Usage | null | undefined): MessagesUsage {
  const read = count(u?.prompt_tokens_details?.cached_tokens);
  const write = count(u?.prompt_tokens_details?.cache_write_tokens);
  return {
    input_tokens: Math.max(0, count(u?.prompt_tokens) - read - write),
    output_tokens: count(u?.completion_tokens),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
}

/** The message id: Anthropic's own when the upstream was Anthropic, else `msg_` and the trace id. */
export function messageId(upstreamId: unknown, traceId: string): string {
  return typeof upstreamId === "string" && upstreamId.startsWith("msg_") ? upstreamId : `msg_${traceId.replaceAll("-", "")}`;
}

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/**
 * A whole chat completion → an Anthropic Message. Content blocks come in Claude's order:
 * thinking (another provider's reasoning text, so with an empty signature: Anthropic targets take
 * the native path), text, then one tool_use per tool call with its arguments parsed back into `input`.
 */
export function toMessage(completion: ChatCompletion, traceId: string, requestedModel: string): Record<string, unknown> {
  const choice = completion.choices[0];
  const message = (choice?.message ?? { role: "assistant", content: null }) as Record<string, unknown>;
  const content: ContentBlock[] = [];
  if (typeof message.reasoning_content === "string" && message.reasoning_content !== "") {
    content.push({ type: "thinking", thinking: message.reasoning_content, signature: "" });
  }
  const text = textOf(message.content) || (typeof message.refusal === "string" ? message.refusal : "");
  if (text !== "") content.push({ type: "text", text });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Array<{ id?: string; function?: { name?: string; arguments?: string } }>) {
      content.push({ type: "tool_use", id: call.id ?? "", name: call.function?.name ?? "", input: toolInput(call.function?.arguments) });
    }
  }
  return {
    id: messageId(completion.id, traceId),
    type: "message",
    role: "assistant",
    model: completion.model || requestedModel,
    content,
    stop_reason: stopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: messagesUsage(completion.usage),
  };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) if (part?.type === "text" && typeof part.text === "string") out += part.text;
  return out;
}

/** Tool arguments as the object Anthropic's `input` is; arguments that are not a JSON object keep their text under `_raw`. */
export function toolInput(args: string | undefined): Record<string, unknown> {
  if (!args || args.trim() === "") return {};
  try {
    const v = JSON.parse(args);
    return v && typeof v === "object" && !Array.isArray(v) ? v : { _raw: args };
  } catch {
    return { _raw: args };
  }
}

function count(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}
