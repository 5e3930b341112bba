import { ApiError } from "../errors/vocabulary.ts";
import { openaiErrorResponse } from "../openai/errors.ts";

/**
 * Browsers on other origins must not spend the engine's keys. No origin is allowed unless listed
 * in config.json `server.cors_origins`. A request carrying a foreign Origin is refused outright:
 * CORS alone only hides the answer from the page, and a "simple" cross-site POST would already
 * have reached the provider. Browsers send Origin on every cross-origin POST; curl and SDKs send none.
 */
export function checkOrigin(req: Request, allowed: readonly string[]): Response | null {
  const origin = req.headers.get("origin");
  if (origin === null || allowed.includes(origin) || allowed.includes("*") || sameOrigin(origin, req)) return null;
  return openaiErrorResponse(new ApiError("origin_not_allowed", `Origin ${origin} is not allowed; add it to server.cors_origins in config.json.`));
}

/** Headers for an allowed origin (preflight and actual response); none otherwise. */
export function corsHeaders(req: Request, allowed: readonly string[]): Record<string, string> {
  const origin = req.headers.get("origin");
  if (origin === null || !(allowed.includes(origin) || allowed.includes("*"))) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, POST, OPTIONS",
    // The SDKs send a changing set of x-stainless-* headers: allow what the preflight asks for.
    "access-control-allow-headers": req.headers.get("access-control-request-headers") ?? "authorization, content-type",
    "access-control-expose-headers": "x-opentracy-trace-id, retry-after, retry-after-ms",
    "access-control-max-age": "600",
    vary: "Origin",
  };
}

/** The engine's own pages (the web UI) calling its API: browsers send Origin on a same-origin POST, and it needs no CORS entry. */
function sameOrigin(origin: string, req: Request): boolean {
  try {
    return new URL(origin).host === req.headers.get("host");
  } catch {
    return false;
  }
}
