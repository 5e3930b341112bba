import { useApi } from "../api.ts";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { count, ms, percent, usd } from "../format.ts";
import { Link, navigate, useLocation, withQuery } from "../router.tsx";
import type { Activity as ActivityData } from "../types.ts";

const GROUPS = ["model", "provider", "alias", "token", "user"] as const;
const WINDOWS: Record<string, { label: string; ms: number }> = {
  "1h": { label: "last hour", ms: 3_600_000 },
  "24h": { label: "last 24 hours", ms: 86_400_000 },
  "7d": { label: "last 7 days", ms: 7 * 86_400_000 },
};

export function Stat({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {detail ? <div className="stat-detail">{detail}</div> : null}
    </div>
  );
}

export function Breakdown({ rows, by }: { rows: ActivityData["breakdown"]; by: string }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>{by}</th>
          <th className="num">requests</th>
          <th className="num">errors</th>
          <th className="num">tokens in / out</th>
          <th className="num">cost</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <td>{by === "model" || by === "provider" ? <Link to={withQuery("/traces", { [by]: r.key })}>{r.key}</Link> : r.key || "—"}</td>
            <td className="num">{count(r.requests)}</td>
            <td className="num">
              {count(r.errors)} <span className="muted">({percent(r.errors, r.requests)})</span>
            </td>
            <td className="num">
              {count(r.input_tokens)} / {count(r.output_tokens)}
            </td>
            <td className="num">{usd(r.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Totals and a breakdown over a window; the charts come in the next step. */
export function Activity() {
  const { query } = useLocation();
  const by = GROUPS.find((g) => g === query.get("by")) ?? "model";
  const windowKey = query.get("window") && WINDOWS[query.get("window")!] ? query.get("window")! : "24h";
  // Rounded to the minute so re-renders ask the same URL (and the same answer) again.
  const since = Math.floor((Date.now() - WINDOWS[windowKey]!.ms) / 60_000) * 60_000;
  const data = useApi<ActivityData>(`/api/activity?since=${since}&bucket=hour&by=${by}`);
  const set = (k: string, v: string) => navigate(withQuery("/activity", { by, window: windowKey, [k]: v }), { replace: true });
  return (
    <>
      <h1>Activity</h1>
      <div className="filters">
        <label>
          Window{" "}
          <select value={windowKey} onChange={(e) => set("window", e.target.value)}>
            {Object.entries(WINDOWS).map(([k, w]) => (
              <option key={k} value={k}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Group by{" "}
          <select value={by} onChange={(e) => set("by", e.target.value)}>
            {GROUPS.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
      </div>
      {data.error ? (
        <Failed error={data.error} retry={data.reload} />
      ) : !data.data ? (
        <Loading what="activity" />
      ) : data.data.totals.requests === 0 ? (
        <Empty title={`No requests in the ${WINDOWS[windowKey]!.label}`}>
          <p>
            Pick a longer window, or make a call: the <Link to="/">Overview</Link> shows how.
          </p>
        </Empty>
      ) : (
        <>
          <div className="stats">
            <Stat label="Requests" value={count(data.data.totals.requests)} />
            <Stat label="Spend" value={usd(data.data.totals.cost_usd)} />
            <Stat label="Error rate" value={percent(data.data.totals.errors, data.data.totals.requests)} />
            <Stat label="Latency p50 / p95" value={`${ms(data.data.totals.p50_ms)} / ${ms(data.data.totals.p95_ms)}`} />
          </div>
          <Breakdown rows={data.data.breakdown} by={by} />
        </>
      )}
    </>
  );
}
