import type { Settings } from "../config/live.ts";
import { pricePerMillion, type PricePerMillion } from "../pricing/cost.ts";
import { keySourceLabel, maskKey, resolveKey } from "../providers/credentials.ts";
import { prepareTarget } from "./attempt.ts";
import type { TargetState } from "./health.ts";
import { planRoute, type RoutePlan } from "./plan.ts";

export interface ExplainedTarget {
  target: string;
  weight: number;
  /** Masked; null when the provider takes none or has none. */
  key: string | null;
  key_source: string | null;
  /** Why a request could not be sent there now (no key, no endpoint), in the error's own words. */
  problem: string | null;
  /** null: nobody knows (the CLI found no running engine). */
  health: TargetState["state"] | null;
  cooling_until: string | null;
  price_per_million: PricePerMillion | null;
}

export interface Explanation {
  requested: string;
  alias: string | null;
  strategy: RoutePlan["strategy"];
  retry: RoutePlan["retry"];
  params: RoutePlan["params"];
  targets: ExplainedTarget[];
}

/**
 * How a request for `requested` would resolve now: the chain, the key each target would use
 * (masked), why one could not be tried, its health and its price. `route explain` prints it and
 * the UI's alias page shows it. Throws UnknownModel like planning does.
 */
export function explainRoute(
  requested: string,
  settings: Pick<Settings, "config" | "secrets" | "sealed">,
  env: NodeJS.ProcessEnv,
  health: Record<string, TargetState> | null,
): Explanation {
  // Weighted aliases are listed in their configured order: the draw happens per request.
  const plan = planRoute(requested, settings.config, () => 0);
  const targets = plan.targets.map((t): ExplainedTarget => {
    const prepared = prepareTarget(t, settings, env);
    const key = resolveKey(t.provider, settings.secrets, env, settings.sealed);
    const state = health?.[t.ref];
    return {
      target: t.ref,
      weight: t.weight,
      key: key ? maskKey(key.value) : null,
      key_source: key ? keySourceLabel(t.provider, key.source) : null,
      problem: "error" in prepared ? prepared.error.message : null,
      health: health ? (state?.state ?? "ok") : null,
      cooling_until: state?.cooling_until ?? null,
      price_per_million: pricePerMillion(t.provider.name, t.model, settings.config.prices),
    };
  });
  return { requested, alias: plan.alias, strategy: plan.strategy, retry: plan.retry, params: plan.params, targets };
}
