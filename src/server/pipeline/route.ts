import { modelAllowed } from "../../budgets/guard.ts";
import type { Settings } from "../../config/live.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { planRoute, type RoutePlan, UnknownModel } from "../../routing/plan.ts";
import type { Call } from "../call.ts";

/** `model` (provider/model, an alias, a bare name) → targets, or 404 model_not_found. */
export function planFor(model: string, settings: Settings): RoutePlan {
  try {
    return planRoute(model, settings.config);
  } catch (e) {
    if (e instanceof UnknownModel) throw new ApiError("model_not_found", e.message, "model");
    throw e;
  }
}

/**
 * The plan step of every endpoint: the route for the call's model, refused with a 403
 * model_not_allowed, before any upstream is called, when the engine token's allow list (`call.allow`)
 * does not admit it; the call records the alias and strategy. Taking the Call, not its parts, is
 * what keeps an endpoint from planning without the token's limits.
 */
export function routeFor(call: Call, model: string, settings: Settings): RoutePlan {
  const plan = planFor(model, settings);
  const allow = call.allow;
  if (
    allow &&
    !modelAllowed(
      allow,
      model,
      plan.targets.map((t) => t.ref),
    )
  ) {
    throw new ApiError("model_not_allowed", `Token '${call.tokenName ?? ""}' may not use '${model}'; it may use: ${allow.join(", ")}.`, "model");
  }
  call.alias = plan.alias;
  call.strategy = plan.strategy;
  return plan;
}
