import type { ChatCompletion } from "../../openai/schema.ts";
import { badUpstream } from "../errors.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { isErrorBody, streamError } from "./errors.ts";
import { toFinishReason } from "./finish-reason.ts";
import { THINKING_FIELD } from "./thinking-blocks.ts";
import { toOpenAIUsage } from "./usage.ts";
import type { ReasoningBlock } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

/**
 * An Anthropic Message → an OpenAI chat completion. Text blocks join into `content`, thinking
 * into `reasoning_content`, tool_use blocks become `tool_calls` with Anthropic's own `toolu_…` ids
 * (the client sends them back as tool_call_id, and Anthropic matches tool results by them). The
 * thinking blocks, with their signatures, ride on the first tool call (see thinking-blocks.ts).
 * Server-tool blocks (web search results and the like) are not something an OpenAI client asked
 * for or can read, and are left out.
 */
export function parseResponse(text: string): ChatCompletion {
  const msg = parseUpstreamJson(text, PROVIDER, "body");
  if (isErrorBody(msg)) throw streamError(msg);
  if (!msg || typeof msg !== "object" || !Array.isArray(msg.content)) throw badUpstream(PROVIDER, "no content array in the message");

  let content = "";
  let reasoningText = "";
  const reasoning: ReasoningBlock[] = [];
  const toolCalls: Array<Record<string, unknown>> = [];
  for (const block of msg.content) {
    switch (block?.type) {
      case "text":
        content += block.text ?? "";
        break;
      case "thinking":
        reasoningText += block.thinking ?? "";
        reasoning.push({ type: "thinking", thinking: block.thinking ?? "", signature: block.signature ?? "" });
        break;
      case "redacted_thinking":
        reasoning.push({ type: "redacted_thinking", data: block.data ?? "" });
        break;
      case "tool_use":
        toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        break;
    }
  }
  if (toolCalls.length && reasoning.length) toolCalls[0]![THINKING_FIELD] = reasoning;

  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: content === "" && toolCalls.length ? null : content,
    refusal: msg.stop_reason === "refusal" ? (refusalText(msg) ?? null) : null,
  };
  if (reasoningText) message.reasoning_content = reasoningText;
  if (toolCalls.length) message.tool_calls = toolCalls;

  return {
    id: typeof msg.id === "string" ? msg.id : `msg_${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: typeof msg.model === "string" ? msg.model : "",
    choices: [{ index: 0, message, logprobs: null, finish_reason: toFinishReason(msg.stop_reason) }],
    usage: toOpenAIUsage(msg.usage ?? {}),
  };
}

/** What a refusal says about itself (`stop_details.explanation`), for OpenAI's `refusal` field. */
export function refusalText(msg: { stop_details?: { explanation?: unknown } | null }): string | undefined {
  const explanation = msg.stop_details?.explanation;
  return typeof explanation === "string" && explanation !== "" ? explanation : undefined;
}
