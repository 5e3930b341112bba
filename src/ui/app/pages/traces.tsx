import { type FormEvent, useEffect, useMemo, useState } from "react";
import { type ApiFailure, getJson, useApi } from "../api.ts";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { StatusBadge } from "../components/status.tsx";
import { count, ms, usd, when } from "../format.ts";
import { useLiveRows } from "../live.ts";
import { Link, navigate, useLocation, withQuery } from "../router.tsx";
import { apiParams, FILTERS, type Filters, filtersKey, judgeable, matches, NO_FILTERS, RANGES, readFilters } from "../trace-filters.ts";
import type { TracePage, TraceRow } from "../types.ts";

const PAGE = 50;

/** Page size: 50, or the URL's `limit` (1–500, as the API allows) for a longer or shorter page. */
function pageSize(query: URLSearchParams): string {
  const n = Number(query.get("limit"));
  return String(Number.isInteger(n) && n >= 1 && n <= 500 ? n : PAGE);
}
/** The filters live in the URL: a reload, the back button and a shared link all keep them. */
function FilterBar({ filters, live, liveOpen }: { filters: Filters; live: boolean; liveOpen: boolean }) {
  const [draft, setDraft] = useState(filters);
  // Reset the draft when the URL's filters change, not on every render: a render caused by rows
  // arriving must not wipe what the user is typing (it did, under load, in the browser test).
  const key = filtersKey(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `filters`' values.
  useEffect(() => setDraft(filters), [key]);
  const apply = (next: Filters, on = live) => navigate(withQuery("/traces", { ...next, live: on ? "1" : "" }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const text = (k: "model" | "provider" | "alias" | "user" | "session" | "tag" | "q", label: string, placeholder: string, pattern?: string) => (
    <label>
      {label}
      <input
        name={k}
        value={draft[k]}
        placeholder={placeholder}
        pattern={pattern}
        title={pattern ? "key=value" : undefined}
        onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
      />
    </label>
  );
  return (
    <form className="filters" onSubmit={submit}>
      {text("model", "Model", "gpt-4o-mini")}
      {text("provider", "Provider", "openai")}
      {text("alias", "Alias", "smart")}
      {text("user", "User", "alice")}
      {text("session", "Session", "session id")}
      {text("tag", "Tag", "key=value", "[^=]+=.*")}
      <label>
        Status
        <select name="status" value={draft.status} onChange={(e) => apply({ ...draft, status: e.target.value })}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
      </label>
      <label>
        Time
        <select name="since" value={draft.since} onChange={(e) => apply({ ...draft, since: e.target.value })}>
          <option value="">all</option>
          {Object.entries(RANGES).map(([v, r]) => (
            <option key={v} value={v}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {text("q", "Text", "in the prompt or answer")}
      <button type="submit">Filter</button>
      {FILTERS.some((k) => filters[k]) ? (
        <button type="button" className="quiet" onClick={() => apply(NO_FILTERS)}>
          Clear
        </button>
      ) : null}
      <label className="live-toggle">
        <span>
          <input type="checkbox" name="live" checked={live} onChange={(e) => apply(filters, e.target.checked)} /> Live
        </span>
        <span className={liveOpen ? "live-on" : "muted"}>{live ? (liveOpen ? "● receiving" : "connecting…") : "off"}</span>
      </label>
    </form>
  );
}

function Row({ r, fresh }: { r: TraceRow; fresh: boolean }) {
  const href = `/traces/${encodeURIComponent(r.id)}`;
  const cls = [r.status === "error" ? "failed-row" : "", fresh ? "fresh-row" : ""].join(" ").trim();
  return (
    <tr className={cls || undefined}>
      <td>
        <Link to={href}>{when(r.ts_start)}</Link>
      </td>
      <td>
        <Link to={href}>
          {r.requested_model}
          {r.selected_model && r.selected_model !== r.requested_model ? <span className="muted"> → {r.selected_model}</span> : null}
        </Link>
      </td>
      <td>{r.provider ?? "—"}</td>
      <td>
        <StatusBadge status={r.status} http={r.http_status} />
      </td>
      <td className="num">
        {count(r.input_tokens)} / {count(r.output_tokens)}
      </td>
      <td className="num">{usd(r.cost_usd)}</td>
      <td className="num">{ms(r.latency_ms)}</td>
    </tr>
  );
}

export function Traces() {
  const { query } = useLocation();
  const filters = readFilters(query);
  const key = filtersKey(filters);
  const live = query.get("live") === "1";
  const limit = pageSize(query);
  // "Last hour" starts when the filters were set, not at each render: a moving instant would
  // change the URL fetched below on every render and fetch for ever.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the trigger
  const now = useMemo(() => Date.now(), [key]);
  const params = apiParams(filters, now);
  const first = withQuery("/api/traces", { limit, ...params });
  const page = useApi<TracePage>(first);
  // Pages after the first, fetched with the cursor on demand: the table never loads everything.
  const [more, setMore] = useState<{ for: string; rows: TraceRow[]; next: string | null; busy: boolean; error: ApiFailure | null } | null>(null);
  const extra = more?.for === first ? more : null;
  const listed = [...(page.data?.data ?? []), ...(extra?.rows ?? [])];
  // Live rows go on top as they finish, filtered here as the API would have; the list is not re-polled.
  const stream = useLiveRows(live, key);
  const sinceMs = params.since ? Number(params.since) : null;
  const seen = new Set(listed.map((r) => r.id));
  const fresh = judgeable(filters) ? stream.rows.filter((r) => !seen.has(r.id) && matches(r, filters, sinceMs)) : [];
  const freshIds = new Set(fresh.map((r) => r.id));
  const rows = [...fresh, ...listed];
  const next = extra ? extra.next : (page.data?.next_cursor ?? null);

  const loadMore = async () => {
    if (!next) return;
    const base = extra ?? { for: first, rows: [], next, busy: false, error: null };
    setMore({ ...base, busy: true });
    try {
      const p = await getJson<TracePage>(withQuery("/api/traces", { limit, ...params, cursor: next }));
      setMore({ for: first, rows: [...base.rows, ...p.data], next: p.next_cursor, busy: false, error: null });
    } catch (e) {
      setMore({ ...base, busy: false, error: e as ApiFailure });
    }
  };

  const filtered = FILTERS.some((k) => filters[k]);
  return (
    <>
      <h1>Traces</h1>
      <FilterBar filters={filters} live={live} liveOpen={stream.open} />
      {filters.session ? (
        <p>
          <Link to={`/sessions/${encodeURIComponent(filters.session)}`}>Session view of {filters.session}</Link>{" "}
          <span className="muted">· its calls oldest first, with the total cost and tokens</span>
        </p>
      ) : null}
      {live && !judgeable(filters) ? <p className="muted">Live rows hold no prompt or answer, so none are added while a text search is on.</p> : null}
      {page.error ? (
        <Failed error={page.error} retry={page.reload} />
      ) : !page.data ? (
        <Loading what="traces" />
      ) : rows.length === 0 ? (
        filtered ? (
          <Empty title="No traces match these filters">
            <p>
              Loosen a filter, or <Link to="/traces">clear them all</Link>. The model filter matches the requested or the selected model exactly.
            </p>
          </Empty>
        ) : (
          <Empty title="No traces yet">
            <p>
              Every call to <code>/v1/chat/completions</code> is recorded here. The <Link to="/">Overview</Link> has the lines for a first call.
            </p>
          </Empty>
        )
      ) : (
        <>
          <table className="grid traces">
            <thead>
              <tr>
                <th>time</th>
                <th>model</th>
                <th>provider</th>
                <th>status</th>
                <th className="num">tokens in / out</th>
                <th className="num">cost</th>
                <th className="num">latency</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <Row key={r.id} r={r} fresh={freshIds.has(r.id)} />
              ))}
            </tbody>
          </table>
          <div className="pager">
            <span className="muted">
              {rows.length} shown{next ? "" : ", no more"}
            </span>
            {next ? (
              <button type="button" onClick={loadMore} disabled={extra?.busy}>
                {extra?.busy ? "Loading…" : "Load more"}
              </button>
            ) : null}
            {extra?.error ? <span className="error-text">{extra.error.message}</span> : null}
          </div>
        </>
      )}
    </>
  );
}
