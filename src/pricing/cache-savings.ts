import { type PriceOverride, pricePerMillion } from "./cost.ts";

/**
 * What `cachedTokens` prompt-cache reads of `provider/model` saved against paying the input rate
 * for them, in USD, at today's rates (a tiered model's base tier). Null when the model has no
 * known price or no cache-read rate: a saving nobody can state is not shown as 0. Priced when
 * asked (the activity API), so nothing is added to the request path.
 */
export function cacheSavingsUSD(selectedModel: string, cachedTokens: number, overrides?: Record<string, PriceOverride>): number | null {
  const slash = selectedModel.indexOf("/");
  if (slash <= 0) return null;
  const rates = pricePerMillion(selectedModel.slice(0, slash), selectedModel.slice(slash + 1), overrides);
  if (!rates || rates.cache_read === undefined) return null;
  // Binary floating point noise (1e-12 USD) is far below any price.
  return Number(((cachedTokens * (rates.input - rates.cache_read)) / 1e6).toFixed(12));
}
