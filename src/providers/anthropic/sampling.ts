import { rejectRequest } from "../../errors/vocabulary.ts";
import type { ModelTraits } from "./models.ts";

/**
 * `temperature` and `top_p`, as far as the model and the thinking setting allow (the API answers
 * each of these cases with a 400, so sending them would only fail the request):
 *
 * - Models from Claude Opus 4.7 on take neither: they sample at their fixed defaults, so the
 *   parameters are left out (the answer is what the model gives at its defaults).
 * - With thinking on, `temperature` is not allowed and `top_p` only between 0.95 and 1; other
 *   values are left out, as the thinking docs prescribe.
 * - Models that take one of the two: when the client sent both, the one at its neutral value
 *   (1) is left out, which changes nothing; two real values are a 400 naming `top_p`.
 *
 * OpenAI's temperature range is 0–2 and Anthropic's 0–1; a value above 1 is sent as is and the
 * API's own 400 names it, rather than being rescaled into a different meaning.
 */
export function samplingFields(body: Record<string, unknown>, model: string, traits: ModelTraits, thinks: boolean): { temperature?: number; top_p?: number } {
  if (traits.rejectsSampling) return {};
  let temperature = typeof body.temperature === "number" && !thinks ? body.temperature : undefined;
  let topP = typeof body.top_p === "number" && (!thinks || body.top_p >= 0.95) ? body.top_p : undefined;
  if (traits.oneSamplingParam && temperature !== undefined && topP !== undefined) {
    if (topP === 1) topP = undefined;
    else if (temperature === 1) temperature = undefined;
    else throw rejectRequest(`${model} accepts temperature or top_p, not both; send only one of them`, "top_p");
  }
  const out: { temperature?: number; top_p?: number } = {};
  if (temperature !== undefined) out.temperature = temperature;
  if (topP !== undefined) out.top_p = topP;
  return out;
}
