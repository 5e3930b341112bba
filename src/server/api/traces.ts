import type { TokenEntry } from "../../auth/tokens.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { type PriceOverride, pricePerMillion } from "../../pricing/cost.ts";
import type { TraceDetail, TraceQueries } from "../../traces/queries.ts";
import { encodeCursor, parseQuery, TraceListParams } from "./params.ts";
import { ownTracesOnly } from "./scope.ts";

/** GET /api/traces: summary rows, newest first, a page at a time. */
export async function listTraces(req: Request, queries: TraceQueries, token: TokenEntry | null): Promise<Response> {
  const p = parseQuery(new URL(req.url), TraceListParams);
  const own = ownTracesOnly(token);
  const page = await queries.list({
    limit: p.limit,
    cursor: p.cursor,
    sinceMs: p.since,
    untilMs: p.until,
    model: p.model,
    provider: p.provider,
    alias: p.alias,
    status: p.status,
    // A non-admin token's own name wins over any token it asks for.
    token: own ?? p.token,
    user: p.user,
    session: p.session,
    tag: p.tag,
    q: p.q,
  });
  return Response.json({ data: page.rows, next_cursor: page.next ? encodeCursor(page.next) : null });
}

const PREFIX = "/api/traces/";

/**
 * GET /api/traces/{id}: the whole stored record, and today's rates for its model (config.json's
 * `prices` first) for the page's cost split. Another token's trace is as absent as a missing one.
 */
export async function getTrace(req: Request, queries: TraceQueries, token: TokenEntry | null, prices?: Record<string, PriceOverride>): Promise<Response> {
  const path = new URL(req.url).pathname;
  let id: string;
  try {
    id = decodeURIComponent(path.slice(PREFIX.length));
  } catch {
    id = path.slice(PREFIX.length); // a malformed %-escape: no trace has that id
  }
  const record = id && id.length <= 256 ? await queries.get(id, ownTracesOnly(token)) : null;
  if (!record) throw new ApiError("trace_not_found", `No trace with id '${id.slice(0, 256)}'.`, "id");
  const { provider, selected_model: selected } = record;
  const rates = provider && selected?.startsWith(`${provider}/`) ? pricePerMillion(provider, selected.slice(provider.length + 1), prices) : null;
  const detail: TraceDetail = { ...record, _price_per_million: rates };
  return Response.json(detail);
}
