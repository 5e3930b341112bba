import type { ChatCompletion } from "../../openai/schema.ts";
import { badUpstream } from "../errors.ts";
import type { Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";

import { toFinishReason } from "./finish-reason.ts";
import { toOpenAIUsage } from "./usage.ts";
import { PROVIDER } from "./wire.ts";

/**
 * A Cohere v2 chat response as an OpenAI chat completion. The tool plan (the text Cohere writes
 * before calling tools) is the answer's `content`, as OpenAI models put that text; thinking parts
 * are `reasoning_content`; citations stay on the message under Cohere's name.
 */
export function parseResponse(text: string, target: Target): ChatCompletion {
  const parsed = parseUpstreamJson(text, PROVIDER, "body");
  const message = parsed?.message;
  if (!message || typeof message !== "object") throw badUpstream(PROVIDER, "no message in the answer");
  const finish = toFinishReason(parsed.finish_reason);

  let content = typeof message.tool_plan === "string" ? message.tool_plan : "";
  let reasoning = "";
  for (const part of Array.isArray(message.content) ? message.content : []) {
    if (part?.type === "text" && typeof part.text === "string") content += part.text;
    else if (part?.type === "thinking" && typeof part.thinking === "string") reasoning += part.thinking;
  }
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.map(openaiToolCall) : [];

  const out: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: content === "" && toolCalls.length > 0 ? null : content,
  };
  if (reasoning) out.reasoning_content = reasoning;
  if (toolCalls.length) out.tool_calls = toolCalls;
  if (Array.isArray(message.citations) && message.citations.length) out.citations = message.citations;

  const usage = toOpenAIUsage(parsed.usage);
  return {
    id: typeof parsed.id === "string" ? parsed.id : `chatcmpl-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: target.model,
    choices: [{ index: 0, message: out, logprobs: null, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  };
}

function openaiToolCall(call: any) {
  const args = call?.function?.arguments;
  return {
    id: String(call?.id ?? ""),
    type: "function",
    function: {
      name: String(call?.function?.name ?? ""),
      // A call without parameters can come back with no arguments at all; clients JSON.parse them.
      arguments: typeof args === "string" && args !== "" ? args : args && typeof args === "object" ? JSON.stringify(args) : "{}",
    },
  };
}
