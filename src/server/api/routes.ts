import type { TokenEntry } from "../../auth/tokens.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { openaiErrorResponse } from "../../openai/errors.ts";
import type { TraceQueries } from "../../traces/queries.ts";
import { activity } from "./activity.ts";
import { getTrace, listTraces } from "./traces.ts";

export type ApiHandler = (req: Request, queries: TraceQueries, token: TokenEntry | null) => Promise<Response>;

/**
 * The UI's JSON API. Each endpoint is behind the same guard as /v1 (http.ts); here an ApiError
 * becomes OpenAI's error shape, and an engine that keeps no traces says so instead of answering
 * with an empty store.
 */
export function apiHandler(queries: TraceQueries | null, handler: ApiHandler) {
  return async (req: Request, token: TokenEntry | null): Promise<Response> => {
    try {
      if (!queries) throw new ApiError("traces_unavailable", "This engine keeps no traces (OPENTRACY_TRACES / traces.enabled is off).");
      return await handler(req, queries, token);
    } catch (e) {
      if (e instanceof ApiError) return openaiErrorResponse(e);
      throw e;
    }
  };
}

export const API = { listTraces, getTrace, activity } as const;
