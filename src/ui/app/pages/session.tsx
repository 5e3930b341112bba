import { useCallback, useEffect, useState } from "react";
import { ApiFailure, getJson } from "../api.ts";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { StatusBadge } from "../components/status.tsx";
import { count, ms, percent, usd, when } from "../format.ts";
import { Link, withQuery } from "../router.tsx";
import type { TracePage, TraceRow } from "../types.ts";
import { Stat } from "../components/stat.tsx";

/** More calls than this and the view shows the latest ones only, and says so. */
export const SESSION_CAP = 1000;

interface Loaded {
  rows: TraceRow[];
  capped: boolean;
}

/** Every call of a session, paging with the cursor (newest first) up to the cap, then oldest first. */
async function loadSession(id: string, signal: AbortSignal): Promise<Loaded> {
  const rows: TraceRow[] = [];
  let cursor: string | null = null;
  do {
    const limit = String(Math.min(500, SESSION_CAP - rows.length));
    const page: TracePage = await getJson<TracePage>(withQuery("/api/traces", { session: id, limit, cursor }), signal);
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && rows.length < SESSION_CAP);
  return { rows: rows.reverse(), capped: cursor !== null };
}

export function Session({ id }: { id: string }) {
  const [state, setState] = useState<{ data: Loaded | null; error: ApiFailure | null }>({ data: null, error: null });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    setState({ data: null, error: null });
    loadSession(id, ctl.signal).then(
      (data) => setState({ data, error: null }),
      (e) => !ctl.signal.aborted && setState({ data: null, error: e instanceof ApiFailure ? e : new ApiFailure(0, String(e), null) }),
    );
    return () => ctl.abort();
  }, [id, generation]);
  const retry = useCallback(() => setGeneration((g) => g + 1), []);

  const head = (
    <>
      <p className="crumbs">
        <Link to={withQuery("/traces", { session: id })}>← Traces in this session</Link>
      </p>
      <h1>
        Session <code>{id}</code>
      </h1>
    </>
  );
  if (state.error)
    return (
      <>
        {head}
        <Failed error={state.error} retry={retry} />
      </>
    );
  if (!state.data)
    return (
      <>
        {head}
        <Loading what="the session's calls" />
      </>
    );
  const { rows, capped } = state.data;
  if (rows.length === 0) {
    return (
      <>
        {head}
        <Empty title="No calls in this session">
          <p>
            A call joins a session when it is sent with the <code>X-OpenTracy-Session-Id</code> header. Check the id, or find sessions with the Session filter
            on <Link to="/traces">Traces</Link>.
          </p>
        </Empty>
      </>
    );
  }
  const sum = (f: (r: TraceRow) => number | null) => rows.reduce((s, r) => s + (f(r) ?? 0), 0);
  const errors = rows.filter((r) => r.status === "error").length;
  const span = Date.parse(rows[rows.length - 1]!.ts_start) + rows[rows.length - 1]!.latency_ms - Date.parse(rows[0]!.ts_start);
  return (
    <>
      {head}
      <p className="muted">
        {when(rows[0]!.ts_start)} → {when(rows[rows.length - 1]!.ts_start)}, oldest first
      </p>
      {capped ? (
        <p className="error-box">
          This session has more than {count(SESSION_CAP)} calls: these are its latest {count(SESSION_CAP)}, and the totals count only them.{" "}
          <Link to={withQuery("/traces", { session: id })}>Traces</Link> pages through all of them.
        </p>
      ) : null}
      <div className="stats">
        <Stat label="Calls" value={count(rows.length)} detail={errors ? `${errors} failed (${percent(errors, rows.length)})` : "none failed"} />
        <Stat label="Total cost" value={usd(sum((r) => r.cost_usd))} />
        <Stat label="Tokens in / out" value={`${count(sum((r) => r.input_tokens))} / ${count(sum((r) => r.output_tokens))}`} />
        <Stat label="Duration" value={ms(span)} detail="first call's start to last call's end" />
      </div>
      <table className="grid session">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>time</th>
            <th>model</th>
            <th>status</th>
            <th className="num">tokens in / out</th>
            <th className="num">cost</th>
            <th className="num">latency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const href = `/traces/${encodeURIComponent(r.id)}`;
            return (
              <tr key={r.id} className={r.status === "error" ? "failed-row" : undefined}>
                <td className="num muted">{i + 1}</td>
                <td>
                  <Link to={href}>{when(r.ts_start)}</Link>
                </td>
                <td>
                  <Link to={href}>
                    {r.requested_model}
                    {r.selected_model && r.selected_model !== r.requested_model ? <span className="muted"> → {r.selected_model}</span> : null}
                  </Link>
                </td>
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
          })}
        </tbody>
      </table>
    </>
  );
}
