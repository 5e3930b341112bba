import type { TokenEntry } from "../../auth/tokens.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { BUCKETS, type TraceQueries } from "../../traces/queries.ts";
import { ActivityParams, parseQuery } from "./params.ts";
import { ownTracesOnly } from "./scope.ts";

const DAY_MS = 86_400_000;
/** More points than any chart draws; it also bounds what one request can make a store compute. */
const MAX_BUCKETS = 10_000;

/** GET /api/activity: requests, errors, tokens, cost and latency over time, and a breakdown. */
export async function activity(req: Request, queries: TraceQueries, token: TokenEntry | null): Promise<Response> {
  const p = parseQuery(new URL(req.url), ActivityParams);
  const untilMs = p.until ?? Date.now();
  const sinceMs = p.since ?? untilMs - DAY_MS;
  if (sinceMs >= untilMs) throw new ApiError("invalid_value", "'since' must be before 'until'.", "since");
  if ((untilMs - sinceMs) / BUCKETS[p.bucket] > MAX_BUCKETS) {
    throw new ApiError("invalid_value", `That range holds more than ${MAX_BUCKETS} ${p.bucket} buckets; use a larger bucket or a shorter range.`, "bucket");
  }
  return Response.json(await queries.activity({ sinceMs, untilMs, bucket: p.bucket, by: p.by, token: ownTracesOnly(token) }));
}
