import type { Usage } from "../../openai/schema.ts";
import { openaiUsage } from "../../openai/usage.ts";
import type { UsageMetadata } from "./wire.ts";

/**
 * OpenAI usage from Gemini's usageMetadata. `promptTokenCount` already includes the cached tokens
 * (`cachedContentTokenCount`), and thinking (`thoughtsTokenCount`) is billed as output but not
 * counted in `candidatesTokenCount`, so it is added to completion_tokens as OpenAI counts reasoning.
 * Prompt tokens of server-side tools (`toolUsePromptTokenCount`) are billed as input.
 */
export function toOpenAIUsage(meta: UsageMetadata | undefined): Usage | undefined {
  if (!meta || typeof meta.promptTokenCount !== "number") return undefined;
  const prompt = meta.promptTokenCount + num(meta.toolUsePromptTokenCount);
  const cached = Math.min(num(meta.cachedContentTokenCount), prompt);
  const reasoning = num(meta.thoughtsTokenCount);
  return openaiUsage({ input: prompt - cached, cacheRead: cached, output: num(meta.candidatesTokenCount) + reasoning, reasoning });
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);
