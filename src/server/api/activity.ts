import type { TokenEntry } from "../../auth/tokens.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { cacheSavingsUSD } from "../../pricing/cache-savings.ts";
import type { PriceOverride } from "../../pricing/cost.ts";
import { type Activity, BUCKETS, type TraceQueries } from "../../traces/queries.ts";
import { ActivityParams, parseQuery } from "./params.ts";
import { ownTracesOnly } from "./scope.ts";

const DAY_MS = 86_400_000;
/** More points than any chart draws; it also bounds what one request can make a store compute. */
const MAX_BUCKETS = 10_000;

/** Each model's cache savings and their total, at today's rates (config.json's `prices` first). */
export function withCacheSavings(a: Activity, prices?: Record<string, PriceOverride>): Activity {
  const breakdown = a.breakdown.map((share) => ({
    ...share,
    cache_savings_usd: share.key === null ? null : cacheSavingsUSD(share.key, share.cached_tokens, prices),
  }));
  const known = breakdown.flatMap((s) => (s.cache_savings_usd === null ? [] : [s.cache_savings_usd]));
  const total = known.length ? Number(known.reduce((sum, v) => sum + v, 0).toFixed(12)) : null;
  return { ...a, breakdown, totals: { ...a.totals, cache_savings_usd: total } };
}

/** GET /api/activity: requests, errors, tokens, cost and latency over time, and a breakdown. */
export async function activity(req: Request, queries: TraceQueries, token: TokenEntry | null, prices?: Record<string, PriceOverride>): Promise<Response> {
  const p = parseQuery(new URL(req.url), ActivityParams);
  const untilMs = p.until ?? Date.now();
  const sinceMs = p.since ?? untilMs - DAY_MS;
  if (sinceMs >= untilMs) throw new ApiError("invalid_value", "'since' must be before 'until'.", "since");
  if ((untilMs - sinceMs) / BUCKETS[p.bucket] > MAX_BUCKETS) {
    throw new ApiError("invalid_value", `That range holds more than ${MAX_BUCKETS} ${p.bucket} buckets; use a larger bucket or a shorter range.`, "bucket");
  }
  if (p.tag_key !== undefined && p.by !== "tag") throw new ApiError("invalid_value", "'tag_key' goes with by=tag.", "tag_key");
  const a = await queries.activity({ sinceMs, untilMs, bucket: p.bucket, by: p.by, token: ownTracesOnly(token), tagKey: p.tag_key });
  // The breakdown key by model is `provider/model` (what answered), so it can be priced.
  return Response.json(p.by === "model" ? withCacheSavings(a, prices) : a);
}
