import { type FormEvent, useEffect, useState } from "react";
import { type ApiFailure, getJson, useApi } from "../api.ts";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { StatusBadge } from "../components/status.tsx";
import { count, ms, usd, when } from "../format.ts";
import { Link, navigate, useLocation, withQuery } from "../router.tsx";
import type { TracePage, TraceRow } from "../types.ts";

const PAGE = 50;

/** Page size: 50, or the URL's `limit` (1–500, as the API allows) for a longer or shorter page. */
function pageSize(query: URLSearchParams): string {
  const n = Number(query.get("limit"));
  return String(Number.isInteger(n) && n >= 1 && n <= 500 ? n : PAGE);
}
const FILTERS = ["model", "provider", "status", "q"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function readFilters(query: URLSearchParams): Filters {
  return { model: query.get("model") ?? "", provider: query.get("provider") ?? "", status: query.get("status") ?? "", q: query.get("q") ?? "" };
}

/** The filters live in the URL: a reload, the back button and a shared link all keep them. */
function FilterBar({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState(filters);
  // Reset the draft when the URL's filters change, not on every render: a render caused by rows
  // arriving must not wipe what the user is typing (it did, under load, in the browser test).
  const key = FILTERS.map((k) => filters[k]).join("\u0000");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `filters`' values.
  useEffect(() => setDraft(filters), [key]);
  const apply = (next: Filters) => navigate(withQuery("/traces", next));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const text = (k: "model" | "provider" | "q", label: string, placeholder: string) => (
    <label>
      {label}
      <input name={k} value={draft[k]} placeholder={placeholder} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </label>
  );
  return (
    <form className="filters" onSubmit={submit}>
      {text("model", "Model", "gpt-4o-mini")}
      {text("provider", "Provider", "openai")}
      <label>
        Status
        <select name="status" value={draft.status} onChange={(e) => apply({ ...draft, status: e.target.value })}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
      </label>
      {text("q", "Text", "in the prompt or answer")}
      <button type="submit">Filter</button>
      {FILTERS.some((k) => filters[k]) ? (
        <button type="button" className="quiet" onClick={() => apply({ model: "", provider: "", status: "", q: "" })}>
          Clear
        </button>
      ) : null}
    </form>
  );
}

function Row({ r }: { r: TraceRow }) {
  const href = `/traces/${encodeURIComponent(r.id)}`;
  return (
    <tr className={r.status === "error" ? "failed-row" : undefined}>
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
  const limit = pageSize(query);
  const first = withQuery("/api/traces", { limit, ...filters });
  const page = useApi<TracePage>(first);
  // Pages after the first, fetched with the cursor on demand: the table never loads everything.
  const [more, setMore] = useState<{ for: string; rows: TraceRow[]; next: string | null; busy: boolean; error: ApiFailure | null } | null>(null);
  const extra = more?.for === first ? more : null;
  const rows = [...(page.data?.data ?? []), ...(extra?.rows ?? [])];
  const next = extra ? extra.next : (page.data?.next_cursor ?? null);

  const loadMore = async () => {
    if (!next) return;
    const base = extra ?? { for: first, rows: [], next, busy: false, error: null };
    setMore({ ...base, busy: true });
    try {
      const p = await getJson<TracePage>(withQuery("/api/traces", { limit, ...filters, cursor: next }));
      setMore({ for: first, rows: [...base.rows, ...p.data], next: p.next_cursor, busy: false, error: null });
    } catch (e) {
      setMore({ ...base, busy: false, error: e as ApiFailure });
    }
  };

  const filtered = FILTERS.some((k) => filters[k]);
  return (
    <>
      <h1>Traces</h1>
      <FilterBar filters={filters} />
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
                <Row key={r.id} r={r} />
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
