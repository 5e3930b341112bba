import type { TraceRow } from "./types.ts";

// The Traces page's filters: read from the URL, sent to /api/traces, and applied to live rows in
// the browser (the stream is unfiltered) so a live row shows only where a reload would show it.

export const FILTERS = ["model", "provider", "status", "alias", "user", "session", "tag", "since", "q"] as const;
export type Filters = Record<(typeof FILTERS)[number], string>;

/** The time ranges offered, as the URL's `since` value → milliseconds back from now. */
export const RANGES: Record<string, { label: string; ms: number }> = {
  "1h": { label: "last hour", ms: 3_600_000 },
  "24h": { label: "last day", ms: 86_400_000 },
  "7d": { label: "last 7 days", ms: 7 * 86_400_000 },
};

export const NO_FILTERS: Filters = Object.fromEntries(FILTERS.map((k) => [k, ""])) as Filters;

export function readFilters(query: URLSearchParams): Filters {
  const f = { ...NO_FILTERS };
  for (const k of FILTERS) f[k] = query.get(k) ?? "";
  if (!RANGES[f.since]) f.since = "";
  return f;
}

/** A stable string of the filters' values: what effects depend on instead of the object. */
export const filtersKey = (f: Filters): string => FILTERS.map((k) => f[k]).join("\u0000");

/** The query for /api/traces: the range becomes an instant, taken once per filter change by the caller. */
export function apiParams(f: Filters, now: number): Record<string, string> {
  const range = RANGES[f.since];
  return { ...f, since: range ? String(now - range.ms) : "" };
}

/** Whether a live row passes the filters, as the API would judge it. Text search cannot be judged here: see `judgeable`. */
export function matches(r: TraceRow, f: Filters, sinceMs: number | null): boolean {
  if (f.model && r.requested_model !== f.model && r.selected_model !== f.model) return false;
  if (f.provider && r.provider !== f.provider) return false;
  if (f.status && r.status !== f.status) return false;
  if (f.alias && r.alias !== f.alias) return false;
  if (f.user && r.user !== f.user) return false;
  if (f.session && r.session_id !== f.session) return false;
  if (f.tag) {
    const eq = f.tag.indexOf("=");
    if (eq <= 0 || r.tags?.[f.tag.slice(0, eq)] !== f.tag.slice(eq + 1)) return false;
  }
  if (sinceMs !== null && Date.parse(r.ts_start) < sinceMs) return false;
  return true;
}

/** A live row holds no prompt or answer, so a text search cannot be applied to it. */
export const judgeable = (f: Filters): boolean => f.q === "";
