import type { Usage } from "../../openai/schema.ts";
import { openaiUsage } from "../../openai/usage.ts";
import type { NativeUsage } from "./wire.ts";

/**
 * Anthropic reports uncached input, cache reads and cache writes as separate counts; OpenAI's
 * prompt_tokens is their sum (docs/ARCHITECTURE.md, "Translation rules"). Thinking tokens are part of output_tokens; the
 * API reports them apart (output_tokens_details.thinking_tokens) on the models that count them.
 */
export function toOpenAIUsage(u: NativeUsage): Usage {
  return openaiUsage({
    input: count(u.input_tokens),
    cacheRead: count(u.cache_read_input_tokens),
    cacheWrite: count(u.cache_creation_input_tokens),
    output: count(u.output_tokens),
    reasoning: count(u.output_tokens_details?.thinking_tokens),
  });
}

/**
 * A stream's usage so far: `message_start` carries the input counts, and each `message_delta`
 * carries cumulative counts, where any part may be present (and then wins) or null.
 */
export function mergeUsage(base: NativeUsage, update: NativeUsage | null | undefined): NativeUsage {
  if (!update) return base;
  const out: NativeUsage = { ...base };
  for (const key of ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const) {
    if (typeof update[key] === "number") out[key] = update[key];
  }
  if (typeof update.output_tokens_details?.thinking_tokens === "number") out.output_tokens_details = update.output_tokens_details;
  return out;
}

function count(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}
