import { modelAllowed } from "../../budgets/guard.ts";
import type { Settings } from "../../config/live.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { planRoute, type RoutePlan, UnknownModel } from "../../routing/plan.ts";

/** The plan step of every endpoint: `model` (provider/model, an alias, a bare name) → targets, or 404 model_not_found. */
/**
 * The route for the requested model; with `allow` (the engine token's allowed models, aliases and
 * providers) a model outside it is a 403 model_not_allowed, before any upstream is called.
 */
export function routeFor(model: string, settings: Settings, allow?: readonly string[], tokenName = ""): RoutePlan {
  try {
    const plan = planRoute(model, settings.config);
    if (
      allow &&
      !modelAllowed(
        allow,
        model,
        plan.targets.map((t) => t.ref),
      )
    ) {
      throw new ApiError("model_not_allowed", `Token '${tokenName}' may not use '${model}'; it may use: ${allow.join(", ")}.`, "model");
    }
    return plan;
  } catch (e) {
    if (e instanceof UnknownModel) throw new ApiError("model_not_found", e.message, "model");
    throw e;
  }
}
