import type { Usage } from "../../openai/schema.ts";
import { openaiUsage } from "../../openai/usage.ts";
import type { CohereUsage } from "./wire.ts";

/**
 * OpenAI usage from Cohere's. `billed_units` are the tokens Cohere charges for; `tokens` also count
 * the prompt template and special tokens Cohere adds itself and does not bill (507 tokens for a
 * 12-token question in the recorded answers), so pricing `tokens` would overstate the cost many
 * times over. `cached_tokens` counts template tokens too and has no rate of its own, so it is not
 * reported as OpenAI's discounted cache reads. Cohere's own figures stay visible under `cohere`.
 */
export function toOpenAIUsage(usage: CohereUsage | null | undefined): Usage | null {
  if (!usage || typeof usage !== "object") return null;
  const input = count(usage.billed_units?.input_tokens) ?? count(usage.tokens?.input_tokens);
  const output = count(usage.billed_units?.output_tokens) ?? count(usage.tokens?.output_tokens);
  if (input === undefined && output === undefined) return null;
  return { ...openaiUsage({ input: input ?? 0, output: output ?? 0 }), cohere: usage };
}

function count(n: unknown): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}
