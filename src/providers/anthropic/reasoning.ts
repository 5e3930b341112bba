import { rejectRequest } from "../../errors/vocabulary.ts";
import type { ModelTraits } from "./models.ts";
import type { Effort, ThinkingConfig } from "./wire.ts";
import { lookup } from "../lookup.ts";

/**
 * `reasoning_effort` → Claude thinking, in the form the model accepts (see models.ts):
 *
 * - Adaptive models (Claude 4.6 and later): `thinking: {type: "adaptive", display: "summarized"}`
 *   plus `output_config.effort`. OpenAI's levels map one to one, except `minimal`, which Anthropic
 *   does not have: it becomes `low`. `display: "summarized"` because newer models omit the thinking
 *   text by default, and the client asked to see reasoning_content.
 * - Budget models (Claude 4.5 and earlier): `thinking: {type: "enabled", budget_tokens}` from the
 *   table below, never more than the model's max output minus 1,024 tokens left for the answer.
 *   The API requires `max_tokens > budget_tokens`: a smaller client max_tokens is raised to
 *   budget + the client's own max_tokens (capped at the model's max output), so the answer keeps the
 *   room the client asked for on top of the thinking.
 *
 * | reasoning_effort | budget_tokens | effort |
 * |------------------|--------------:|--------|
 * | minimal          |         1,024 | low    |
 * | low              |         2,048 | low    |
 * | medium           |         8,192 | medium |
 * | high             |        24,576 | high   |
 * | xhigh            |        32,768 | xhigh  |
 * | max              |        49,152 | max    |
 *
 * 1,024 is the API's minimum budget. `none` (and no reasoning_effort) sends no thinking settings:
 * the model's own default applies. There is no universal "off" to send instead, since the
 * adaptive-only models refuse `thinking: {type: "disabled"}` with a 400.
 */
const LEVELS: Record<string, { budget: number; effort: Effort }> = {
  minimal: { budget: 1024, effort: "low" },
  low: { budget: 2048, effort: "low" },
  medium: { budget: 8192, effort: "medium" },
  high: { budget: 24_576, effort: "high" },
  xhigh: { budget: 32_768, effort: "xhigh" },
  max: { budget: 49_152, effort: "max" },
};

const ANSWER_ROOM = 1024;

export interface Reasoning {
  maxTokens: number;
  thinking?: ThinkingConfig;
  effort?: Effort;
  /** Thinking was turned on by this request (sampling parameters must then go, see sampling.ts). */
  thinks: boolean;
}

export function reasoning(reasoningEffort: unknown, traits: ModelTraits, requestedMax: number | null): Reasoning {
  const maxTokens = requestedMax ?? traits.maxOutput;
  if (reasoningEffort == null || reasoningEffort === "none") return { maxTokens, thinks: false };
  const level = typeof reasoningEffort === "string" ? lookup(LEVELS, reasoningEffort) : undefined;
  if (!level) {
    throw rejectRequest(
      `reasoning_effort must be one of none, minimal, low, medium, high, xhigh, max; got ${JSON.stringify(reasoningEffort)}`,
      "reasoning_effort",
    );
  }
  if (traits.thinking === "adaptive") {
    return { maxTokens, thinking: { type: "adaptive", display: "summarized" }, effort: level.effort, thinks: true };
  }
  const budget = Math.min(level.budget, traits.maxOutput - ANSWER_ROOM);
  const raised = maxTokens <= budget ? Math.min(budget + maxTokens, traits.maxOutput) : maxTokens;
  return { maxTokens: raised, thinking: { type: "enabled", budget_tokens: budget }, thinks: true };
}
