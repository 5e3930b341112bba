import type { ChatCompletion } from "../../openai/schema.ts";
import { badUpstream } from "../errors.ts";
import type { Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { googleErrorInBody } from "./errors.ts";
import { promptBlocked, toFinishReason } from "./finish-reason.ts";
import { completionId, newToolCallId, reportedModel } from "./ids.ts";
import { carryThoughtSignature } from "./thought-signature.ts";
import { toOpenAIUsage } from "./usage.ts";
import type { Candidate, GenerateContentResponse } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

/**
 * A GenerateContentResponse → an OpenAI chat completion: one choice per candidate, text parts
 * joined into content, thought parts into reasoning_content, functionCall parts into tool_calls
 * (arguments as JSON text, the thought signature carried on the call).
 */
export function parseResponse(text: string, target: Target): ChatCompletion {
  const parsed: GenerateContentResponse = parseUpstreamJson(text, PROVIDER, "body");
  if (!parsed || typeof parsed !== "object") throw badUpstream(PROVIDER, "body is not a JSON object");
  if (parsed.error) throw googleErrorInBody(parsed.error);
  const candidates = Array.isArray(parsed.candidates) ? parsed.candidates : [];
  if (!candidates.length) {
    if (parsed.promptFeedback?.blockReason) throw promptBlocked(parsed.promptFeedback);
    throw badUpstream(PROVIDER, "no candidates");
  }
  const usage = toOpenAIUsage(parsed.usageMetadata);
  return {
    id: completionId(parsed.responseId),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: reportedModel(parsed.modelVersion, target.model),
    choices: candidates.map((c, position) => choice(c, position)),
    ...(usage ? { usage } : {}),
  };
}

function choice(candidate: Candidate, position: number): ChatCompletion["choices"][number] {
  let content: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: unknown[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      toolCalls.push({
        id: newToolCallId(),
        type: "function",
        function: { name: part.functionCall.name ?? "", arguments: JSON.stringify(part.functionCall.args ?? {}) },
        ...carryThoughtSignature(part.thoughtSignature),
      });
    } else if (typeof part.text === "string") {
      if (part.thought) reasoning = (reasoning ?? "") + part.text;
      else content = (content ?? "") + part.text;
    }
  }
  const hasCalls = toolCalls.length > 0;
  return {
    index: typeof candidate.index === "number" ? candidate.index : position,
    message: {
      role: "assistant",
      // Gemini often adds an empty text part beside calls; OpenAI says null there.
      content: hasCalls && !content ? null : content,
      ...(reasoning !== null ? { reasoning_content: reasoning } : {}),
      ...(hasCalls ? { tool_calls: toolCalls } : {}),
    },
    finish_reason: toFinishReason(candidate.finishReason ?? "STOP", hasCalls, candidate.finishMessage),
  };
}
