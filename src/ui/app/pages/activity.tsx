import { useApi } from "../api.ts";
import { breakdownCsv } from "../breakdown-csv.ts";
import { Breakdown } from "../components/breakdown.tsx";
import { Chart } from "../components/chart.tsx";
import { Stat } from "../components/stat.tsx";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { download } from "../download.ts";
import { count, ms, percent, usd } from "../format.ts";
import { Link, navigate, useLocation, withQuery } from "../router.tsx";
import type { Activity as ActivityData } from "../types.ts";

const GROUPS = ["model", "provider", "alias", "token", "user"] as const;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const BUCKETS = { minute: MINUTE, hour: HOUR, day: DAY } as const;
// Each window with a bucket that gives a readable number of bars: 60, 24, 168, 30.
const WINDOWS: Record<string, { label: string; ms: number; bucket: keyof typeof BUCKETS }> = {
  "1h": { label: "last hour", ms: HOUR, bucket: "minute" },
  "24h": { label: "last 24 hours", ms: DAY, bucket: "hour" },
  "7d": { label: "last 7 days", ms: 7 * DAY, bucket: "hour" },
  "30d": { label: "last 30 days", ms: 30 * DAY, bucket: "day" },
};

const time = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const date = (t: number) => new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });

function Charts({ data, windowKey, since, until }: { data: ActivityData; windowKey: string; since: number; until: number }) {
  const w = WINDOWS[windowKey]!;
  const bucketMs = BUCKETS[w.bucket];
  // Buckets start on UTC boundaries, so the first one can begin before `since`.
  const from = Math.floor(since / bucketMs) * bucketMs;
  const b = data.buckets;
  const common = {
    times: b.map((x) => Date.parse(x.t)),
    from,
    to: Math.max(until, from + bucketMs),
    bucketMs,
    tick: w.ms <= DAY ? time : date,
    when: (t: number) => (w.bucket === "day" ? date(t) : `${date(t)} ${time(t)}`),
  };
  return (
    <div className="charts">
      <Chart {...common} title="Spend" kind="bars" format={usd} series={[{ name: "cost", tone: "s-accent", values: b.map((x) => x.cost_usd) }]} />
      <Chart
        {...common}
        title="Requests"
        kind="bars"
        format={count}
        integer
        series={[
          { name: "ok", tone: "s-accent", values: b.map((x) => x.requests - x.errors) },
          { name: "errors", tone: "s-err", values: b.map((x) => x.errors) },
        ]}
      />
      <Chart
        {...common}
        title="Tokens"
        kind="bars"
        format={count}
        integer
        series={[
          { name: "in", tone: "s-accent", values: b.map((x) => x.input_tokens) },
          { name: "out", tone: "s-soft", values: b.map((x) => x.output_tokens) },
        ]}
      />
      <Chart
        {...common}
        title="Latency"
        kind="lines"
        format={ms}
        series={[
          { name: "p50", tone: "s-accent", values: b.map((x) => x.p50_ms) },
          { name: "p95", tone: "s-err", values: b.map((x) => x.p95_ms) },
        ]}
      />
    </div>
  );
}

function Totals({ totals: t, by }: { totals: ActivityData["totals"]; by: string }) {
  const cached = `${count(t.cached_tokens)} tokens from cache (${percent(t.cached_tokens, t.input_tokens)})`;
  return (
    <div className="stats">
      <Stat label="Requests" value={count(t.requests)} />
      <Stat label="Spend" value={usd(t.cost_usd)} />
      <Stat label="Error rate" value={percent(t.errors, t.requests)} />
      <Stat label="Latency p50 / p95" value={`${ms(t.p50_ms)} / ${ms(t.p95_ms)}`} />
      {/* Savings need a price, and only a model has one: other groupings show the cached tokens. */}
      {by === "model" ? (
        <Stat label="Cache savings" value={usd(t.cache_savings_usd)} detail={cached} />
      ) : (
        <Stat label="Cached tokens" value={count(t.cached_tokens)} />
      )}
    </div>
  );
}

/** Totals, charts over time and a breakdown over a window. */
export function Activity() {
  const { query } = useLocation();
  const by = GROUPS.find((g) => g === query.get("by")) ?? "model";
  const windowKey = query.get("window") && WINDOWS[query.get("window")!] ? query.get("window")! : "24h";
  // Rounded to the minute so re-renders ask the same URL (and the same answer) again.
  const until = Math.floor(Date.now() / MINUTE) * MINUTE;
  const since = until - WINDOWS[windowKey]!.ms;
  const data = useApi<ActivityData>(`/api/activity?since=${since}&bucket=${WINDOWS[windowKey]!.bucket}&by=${by}`);
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
          <Totals totals={data.data.totals} by={by} />
          <Charts data={data.data} windowKey={windowKey} since={since} until={until + MINUTE} />
          <div className="section-head">
            <h2>By {by}</h2>
            <button type="button" onClick={() => download(`opentracy-activity-${windowKey}-by-${by}.csv`, breakdownCsv(data.data!.breakdown, by))}>
              Download CSV
            </button>
          </div>
          <Breakdown rows={data.data.breakdown} by={by} />
        </>
      )}
    </>
  );
}
