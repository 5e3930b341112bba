import type { Settings } from "../../config/live.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { planRoute, type RoutePlan, UnknownModel } from "../../routing/plan.ts";

/** The plan step of every endpoint: `model` (provider/model, an alias, a bare name) → targets, or 404 model_not_found. */
export function routeFor(model: string, settings: Settings): RoutePlan {
  try {
    return planRoute(model, settings.config);
  } catch (e) {
    if (e instanceof UnknownModel) throw new ApiError("model_not_found", e.message, "model");
    throw e;
  }
}
