import type { ChatCompletion } from "../../openai/schema.ts";
import { badUpstream, UpstreamError } from "../errors.ts";
import type { Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { errorFromBody } from "./errors.ts";

/** The answer as the upstream wrote it, every field kept: it is already an OpenAI chat completion. */
export function parseResponse(text: string, target: Target): ChatCompletion {
  const parsed = parseUpstreamJson(text, target.provider.name, "body");
  if (parsed && typeof parsed === "object" && parsed.error) {
    // Some OpenAI-dialect hosts answer 200 with an error body.
    throw new UpstreamError(errorFromBody(parsed.error, 502, new Headers()));
  }
  if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.choices)) {
    throw badUpstream(target.provider.name, "no choices array");
  }
  return parsed;
}
