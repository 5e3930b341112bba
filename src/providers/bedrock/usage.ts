import type { Usage } from "../../openai/schema.ts";
import { openaiUsage } from "../../openai/usage.ts";

/**
 * Converse `usage` → OpenAI usage. Bedrock's `inputTokens` counts only the uncached part of the
 * prompt; cache reads and writes come separately (cacheReadInputTokens, cacheWriteInputTokens)
 * and `totalTokens` is the sum of all four — the same split as Anthropic's. openaiUsage adds them
 * back, so prompt_tokens is the whole prompt. Bedrock does not break thinking tokens out of
 * outputTokens, so reasoning_tokens stays 0.
 */
export function toOpenAIUsage(u: unknown): Usage | null {
  if (!u || typeof u !== "object") return null;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
  const usage = u as Record<string, unknown>;
  return openaiUsage({
    input: n(usage.inputTokens),
    cacheRead: n(usage.cacheReadInputTokens),
    cacheWrite: n(usage.cacheWriteInputTokens),
    output: n(usage.outputTokens),
  });
}
