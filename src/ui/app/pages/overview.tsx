import { useApi } from "../api.ts";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { count, ms, percent, usd } from "../format.ts";
import { Link } from "../router.tsx";
import type { Activity, TracePage } from "../types.ts";
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

export function Overview() {
  const latest = useApi<TracePage>("/api/traces?limit=1");
  const today = useApi<Activity>(`/api/activity?since=${startOfToday()}&bucket=hour&by=model`);
  if (latest.error) return <Failed error={latest.error} retry={latest.reload} />;
  if (today.error) return <Failed error={today.error} retry={today.reload} />;
  if (!latest.data || !today.data) return <Loading what="today's activity" />;
  if (latest.data.data.length === 0) return <FirstCall />;
  const t = today.data.totals;
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
