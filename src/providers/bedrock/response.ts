import type { ChatCompletion } from "../../openai/schema.ts";
import { badUpstream } from "../errors.ts";
import type { Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { toFinishReason } from "./finish-reason.ts";
import { REASONING_FIELD } from "./reasoning.ts";
import type { ReasoningBlock } from "./wire.ts";
import { toOpenAIUsage } from "./usage.ts";

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
  [REASONING_FIELD]?: ReasoningBlock[];
}

/** A Converse response body → an OpenAI chat completion. */
export function parseResponse(text: string, target: Target): ChatCompletion {
  const parsed = parseUpstreamJson(text, target.provider.name, "body");
  const content = parsed?.output?.message?.content;
  if (!Array.isArray(content)) throw badUpstream(target.provider.name, "no output.message.content array");

  let answer = "";
  let reasoning = "";
  let sawReasoning = false;
  const toolCalls: OpenAIToolCall[] = [];
  let pending: ReasoningBlock[] = [];
  for (const block of content) {
    if (typeof block?.text === "string") {
      answer += block.text;
    } else if (block?.toolUse) {
      const use = block.toolUse;
      // Server-side tools run inside Bedrock; the client has nothing to execute.
      if (use.type === "server_tool_use") continue;
      toolCalls.push(toolCall(use.toolUseId, use.name, JSON.stringify(use.input ?? {}), pending));
      pending = [];
    } else if (block?.reasoningContent) {
      const rc = block.reasoningContent;
      if (rc.reasoningText && typeof rc.reasoningText.text === "string") {
        sawReasoning = true;
        reasoning += rc.reasoningText.text;
        if (typeof rc.reasoningText.signature === "string")
          pending.push({ reasoningText: { text: rc.reasoningText.text, signature: rc.reasoningText.signature } });
      } else if (typeof rc.redactedContent === "string") {
        pending.push({ redactedContent: rc.redactedContent });
      }
    }
  }

  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: answer === "" && toolCalls.length ? null : answer,
  };
  if (sawReasoning) message.reasoning_content = reasoning;
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: completionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: target.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toFinishReason(parsed.stopReason) }],
    usage: toOpenAIUsage(parsed.usage),
  };
}

export function toolCall(id: unknown, name: unknown, args: string, reasoning: ReasoningBlock[]): OpenAIToolCall {
  const call: OpenAIToolCall = { id: String(id ?? ""), type: "function", function: { name: String(name ?? ""), arguments: args } };
  if (reasoning.length) call[REASONING_FIELD] = reasoning;
  return call;
}

/** Converse answers carry no id of their own (the request id is a header); OpenAI clients expect one. */
export function completionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}
