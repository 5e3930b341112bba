import { type FormEvent, useEffect, useState } from "react";
import { BUCKETS, DAY, localInput, type Period, readPeriod, WINDOWS } from "../activity-range.ts";
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

const GROUPS = ["model", "provider", "alias", "token", "user", "tag"] as const;

const time = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const date = (t: number) => new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });

function Charts({ data, period }: { data: ActivityData; period: Period }) {
  const bucketMs = BUCKETS[period.bucket];
  // Buckets start on UTC boundaries, so the first one can begin before the period does.
  const from = Math.floor(period.sinceMs / bucketMs) * bucketMs;
  const b = data.buckets;
  const common = {
    times: b.map((x) => Date.parse(x.t)),
    from,
    to: Math.max(period.untilMs, from + bucketMs),
    bucketMs,
    tick: period.untilMs - period.sinceMs <= DAY ? time : date,
    when: (t: number) => (period.bucket === "day" ? date(t) : `${date(t)} ${time(t)}`),
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

/** From and To of a custom range, applied together (each keystroke would otherwise ask the engine). */
function RangeForm({ from, to, by, tagKey }: { from: string; to: string; by: string; tagKey: string | null }) {
  const [draft, setDraft] = useState({ from, to });
  useEffect(() => setDraft({ from, to }), [from, to]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery("/activity", { by, tag_key: tagKey, from: draft.from, to: draft.to }), { replace: true });
  };
  return (
    <form className="range" onSubmit={submit}>
      <label>
        From
        <input
          type="datetime-local"
          name="from"
          value={draft.from}
          max={draft.to || undefined}
          required
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
        />
      </label>
      <label>
        To
        <input
          type="datetime-local"
          name="to"
          value={draft.to}
          min={draft.from || undefined}
          required
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
        />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

/**
 * Grouped by tag, the one tag key to group by (`run` puts each run on a row of its own), applied
 * on Enter or when the field is left (each keystroke would otherwise ask the engine).
 */
function TagKeyForm({ tagKey, apply }: { tagKey: string | null; apply: (key: string | null) => void }) {
  const [draft, setDraft] = useState(tagKey ?? "");
  useEffect(() => setDraft(tagKey ?? ""), [tagKey]);
  const commit = () => {
    const key = draft.trim() || null;
    if (key !== tagKey) apply(key);
  };
  return (
    <form
      className="range"
      onSubmit={(e) => {
        e.preventDefault();
        commit();
      }}
    >
      <label>
        Tag key
        <input name="tag_key" value={draft} placeholder="every key" size={10} onChange={(e) => setDraft(e.target.value)} onBlur={commit} />
      </label>
    </form>
  );
}

/** Totals, charts over time and a breakdown over a window that ends now, or over a custom range. */
export function Activity() {
  const { query } = useLocation();
  const by = GROUPS.find((g) => g === query.get("by")) ?? "model";
  const tagKey = by === "tag" ? query.get("tag_key") || null : null;
  const range = readPeriod(query, Date.now());
  const period = range.ok ? range.period : null;
  const keyParam = tagKey ? `&tag_key=${encodeURIComponent(tagKey)}` : "";
  const data = useApi<ActivityData>(
    period ? `/api/activity?since=${period.sinceMs}&until=${period.untilMs}&bucket=${period.bucket}&by=${by}${keyParam}` : null,
  );
  const custom = !range.ok || range.period.key === "custom";
  const from = range.ok ? (custom ? (query.get("from") ?? "") : "") : range.from;
  const to = range.ok ? (custom ? (query.get("to") ?? "") : "") : range.to;
  const setWindow = (w: string) =>
    // "custom" starts from the period on screen, so the inputs hold something sensible to edit.
    navigate(
      withQuery(
        "/activity",
        w === "custom" && period
          ? { by, tag_key: tagKey, from: localInput(period.sinceMs), to: localInput(period.untilMs) }
          : { by, tag_key: tagKey, window: w === "custom" ? "24h" : w },
      ),
      { replace: true },
    );
  const setBy = (g: string, key: string | null = null) =>
    navigate(withQuery("/activity", { by: g, tag_key: key, window: custom ? null : period?.key, from: custom ? from : null, to: custom ? to : null }), {
      replace: true,
    });
  // The CSV's name says its period: `24h`, or `20260301T1000-20260302T1000`.
  const compact = (v: string) => v.replace(/[-:]/g, "");
  const file = custom ? `${compact(from)}-${compact(to)}` : period!.key;
  return (
    <>
      <h1>Activity</h1>
      <div className="filters">
        <label>
          Period
          <select name="window" value={custom ? "custom" : period!.key} onChange={(e) => setWindow(e.target.value)}>
            {Object.entries(WINDOWS).map(([k, w]) => (
              <option key={k} value={k}>
                {w.label}
              </option>
            ))}
            <option value="custom">custom range</option>
          </select>
        </label>
        {custom ? <RangeForm from={from} to={to} by={by} tagKey={tagKey} /> : null}
        <label>
          Group by
          <select name="by" value={by} onChange={(e) => setBy(e.target.value)}>
            {GROUPS.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        {by === "tag" ? <TagKeyForm tagKey={tagKey} apply={(key) => setBy("tag", key)} /> : null}
      </div>
      {!range.ok ? (
        <p className="error-box" role="alert">
          {range.problem}
        </p>
      ) : data.error ? (
        <Failed error={data.error} retry={data.reload} />
      ) : !data.data ? (
        <Loading what="activity" />
      ) : data.data.totals.requests === 0 ? (
        <Empty title={custom ? `No requests from ${range.period.label}` : `No requests in ${range.period.label}`}>
          <p>
            Pick a longer period, or make a call: the <Link to="/">Overview</Link> shows how.
          </p>
        </Empty>
      ) : (
        <>
          {custom ? <p className="muted period">{range.period.label}</p> : null}
          <Totals totals={data.data.totals} by={by} />
          <Charts data={data.data} period={range.period} />
          <div className="section-head">
            <h2>By {by}</h2>
            <button type="button" onClick={() => download(`opentracy-activity-${file}-by-${by}.csv`, breakdownCsv(data.data!.breakdown, by))}>
              Download CSV
            </button>
          </div>
          {by === "tag" ? (
            <p className="muted period-note">
              {tagKey
                ? `One row per value of the tag ${tagKey}; calls without it are in the totals only.`
                : "A call counts once under each of its tags; calls without tags are in the totals only."}
            </p>
          ) : null}
          <Breakdown rows={data.data.breakdown} by={by} />
        </>
      )}
    </>
  );
}
