import { useApi } from "../api.ts";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { count, ms, percent, usd } from "../format.ts";
import { EngineHealth } from "../components/engine-health.tsx";
import { costliest, slowest } from "../rankings.ts";
import { Link, withQuery } from "../router.tsx";
import type { Activity, TracePage } from "../types.ts";

type Row = Activity["breakdown"][number];
import { Breakdown } from "../components/breakdown.tsx";
import { Stat } from "../components/stat.tsx";

/** Midnight, local time: "today" as the reader means it. */
function startOfToday(): number {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** A model the engine can call, for the snippet: a well-known cheap one when listed, else the first. */
function pickModel(models: { data: { id: string }[] } | null): string {
  const ids = models?.data.map((m) => m.id) ?? [];
  return ids.find((id) => id.endsWith("gpt-4o-mini")) ?? ids[0] ?? "gpt-4o-mini";
}

export function FirstCall() {
  const models = useApi<{ data: { id: string }[] }>("/v1/models");
  const base = `${location.origin}/v1`;
  const model = pickModel(models.data);
  const curl = `curl ${base}/chat/completions \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`;
  const python = `from openai import OpenAI
client = OpenAI(base_url="${base}", api_key="unused")
print(client.chat.completions.create(model="${model}", messages=[{"role": "user", "content": "Hello"}]).choices[0].message.content)`;
  return (
    <Empty title="No calls yet: make the first one">
      <p>
        Point any OpenAI client at this engine. It is traced, and shows up under <Link to="/traces">Traces</Link>.
      </p>
      <h3>curl</h3>
      <pre className="snippet">{curl}</pre>
      <h3>OpenAI Python SDK</h3>
      <pre className="snippet">{python}</pre>
      <p className="muted">
        Any model from <code>GET /v1/models</code> or an alias works; on an engine with tokens, use one as the <code>api_key</code>.
      </p>
    </Empty>
  );
}

/** A few models and one number each: the two lists Overview leads with after the totals. */
function Ranking({ title, rows, value, detail, empty }: { title: string; rows: Row[]; value: (r: Row) => string; detail: (r: Row) => string; empty: string }) {
  return (
    <section className="panel" aria-label={title}>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="panel-line muted">{empty}</p>
      ) : (
        <table className="mini">
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <td>
                  <Link to={withQuery("/traces", { model: r.key })}>{r.key}</Link>
                </td>
                <td className="num">{value(r)}</td>
                <td className="num muted">{detail(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Overview() {
  const latest = useApi<TracePage>("/api/traces?limit=1");
  const today = useApi<Activity>(`/api/activity?since=${startOfToday()}&bucket=hour&by=model`);
  // An engine without traces still has a health worth showing (which providers have keys, say).
  if (latest.error?.status === 503)
    return (
      <>
        <Failed error={latest.error} retry={latest.reload} />
        <EngineHealth />
      </>
    );
  if (latest.error) return <Failed error={latest.error} retry={latest.reload} />;
  if (today.error) return <Failed error={today.error} retry={today.reload} />;
  if (!latest.data || !today.data) return <Loading what="today's activity" />;
  if (latest.data.data.length === 0)
    return (
      <>
        <FirstCall />
        <EngineHealth />
      </>
    );
  const t = today.data.totals;
  const calls = (r: Row) => `${count(r.requests)} call${r.requests === 1 ? "" : "s"}`;
  return (
    <>
      <h1>Today</h1>
      <div className="stats">
        <Stat label="Requests" value={count(t.requests)} />
        <Stat label="Spend" value={usd(t.cost_usd)} />
        <Stat label="Error rate" value={percent(t.errors, t.requests)} detail={`${count(t.errors)} error${t.errors === 1 ? "" : "s"}`} />
        <Stat label="Latency p50 / p95" value={`${ms(t.p50_ms)} / ${ms(t.p95_ms)}`} />
        <Stat label="Tokens in / out" value={`${count(t.input_tokens)} / ${count(t.output_tokens)}`} />
      </div>
      {t.requests === 0 ? (
        <Empty title="No requests yet today">
          <p>
            Earlier calls are under <Link to="/traces">Traces</Link>.
          </p>
        </Empty>
      ) : (
        <div className="panels">
          <Ranking
            title="Slowest models (p95)"
            rows={slowest(today.data.breakdown)}
            value={(r) => ms(r.p95_ms)}
            detail={(r) => `p50 ${ms(r.p50_ms)} · ${calls(r)}`}
            empty="No latency recorded today."
          />
          <Ranking
            title="Most expensive models"
            rows={costliest(today.data.breakdown)}
            value={(r) => usd(r.cost_usd)}
            detail={(r) => `${percent(r.cost_usd, t.cost_usd)} of spend · ${calls(r)}`}
            empty="Nothing was billed today (free or unpriced models)."
          />
        </div>
      )}
      <EngineHealth />
      {t.requests === 0 ? null : (
        <>
          <h2>By model</h2>
          <Breakdown rows={today.data.breakdown} by="model" />
        </>
      )}
      <p>
        <Link to="/traces">See every trace →</Link>
      </p>
    </>
  );
}
