import type { Usage } from "./schema.ts";

/**
 * OpenAI usage from a native API's parts (docs/ARCHITECTURE.md, "Translation rules"): prompt_tokens counts uncached input,
 * cache reads and cache writes; cached_tokens is the reads; cache_write_tokens (our addition inside
 * prompt_tokens_details) lets the cost price writes at their own rate.
 */
export function openaiUsage(parts: { input: number; cacheRead?: number; cacheWrite?: number; output: number; reasoning?: number }): Usage {
  const cacheRead = parts.cacheRead ?? 0;
  const cacheWrite = parts.cacheWrite ?? 0;
  const prompt = parts.input + cacheRead + cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: parts.output,
    total_tokens: prompt + parts.output,
    prompt_tokens_details: { cached_tokens: cacheRead, ...(cacheWrite ? { cache_write_tokens: cacheWrite } : {}) },
    completion_tokens_details: { reasoning_tokens: parts.reasoning ?? 0 },
  };
}
