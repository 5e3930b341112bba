import type { TargetState } from "../routing/health.ts";
import type { TraceRecord } from "../traces/record.ts";

/** What the gauges read at scrape time: the engine's own state, not anything a request carries. */
export interface MetricSources {
  /** Absent in the primary of `serve --workers`, which routes nothing: each worker adds its own (cooldownText). */
  targets?(): Record<string, TargetState>;
  writer(): Record<string, unknown>;
  /** Each live token's budgets: spend / budget per period (budgets/guard.ts `budgetUse`); absent: none. */
  budgets?(): { token: string; period: string; ratio: number }[];
  /** Spans not sent to the OTLP collector; absent when no collector is configured. */
  spansDropped?(): number;
}

/** Distinct values kept per label before the rest are counted as "other": a client naming models at random cannot grow the series. */
export const LABEL_LIMIT = 200;
/** Seconds; the histograms' upper bounds (+Inf is implied). */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

class Histogram {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
  }
}

/** Everything counted for one (provider, model, alias, status, stream). */
class CallSeries {
  requests = 0;
  input = 0;
  output = 0;
  cached = 0;
  reasoning = 0;
  cost = 0;
  readonly latency = new Histogram();
  readonly ttft = new Histogram();
  constructor(readonly labels: [provider: string, model: string, alias: string, status: string, stream: string, api: string]) {}
}

/**
 * Prometheus metrics (`GET /metrics`), counted from the trace records as the writer queues them
 * (so with traces off there is nothing to count). Counting is a few additions into plain maps
 * keyed by the labels, and the text format is written at scrape time: prom-client, tried first,
 * hashed its labels on every increment, which with ~10 metric updates per call put the engine at
 * 1.16× CPU per request and, holding records until they were counted, +70 MB of memory. Labels
 * are the provider, the selected model, the alias, the status and the engine token's name: never a
 * user's own values, and each capped at LABEL_LIMIT distinct values.
 */
export class EngineMetrics {
  private readonly calls = new Map<string, CallSeries>();
  private readonly attempts = new Map<string, { labels: string[]; count: number }>();
  private readonly errors = new Map<string, { labels: string[]; count: number }>();
  private readonly tokenCost = new Map<string, number>();
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly sources: MetricSources) {}

  readonly observe = (r: TraceRecord): void => {
    const provider = this.label("provider", r.provider);
    const model = this.label("model", r.selected_model);
    const alias = this.label("alias", r.alias);
    const stream = r.stream ? "true" : "false";
    const api = this.label("api", r.api);
    const key = `${provider}\u0000${model}\u0000${alias}\u0000${r.status}\u0000${stream}\u0000${api}`;
    let s = this.calls.get(key);
    if (!s) this.calls.set(key, (s = new CallSeries([provider, model, alias, r.status, stream, api])));
    s.requests++;
    s.input += r.input_tokens ?? 0;
    s.output += r.output_tokens ?? 0;
    s.cached += r.cached_tokens ?? 0;
    s.reasoning += r.reasoning_tokens ?? 0;
    s.cost += r.cost_usd ?? 0;
    s.latency.observe(r.latency_ms / 1000);
    if (r.stream && r.ttft_ms !== null) s.ttft.observe(r.ttft_ms / 1000);
    if (r.cost_usd && r.token_name) {
      const token = this.label("token", r.token_name);
      this.tokenCost.set(token, (this.tokenCost.get(token) ?? 0) + r.cost_usd);
    }
    for (const a of r.attempts) {
      const target = [this.label("provider", a.provider), this.label("model", a.model)];
      bump(this.attempts, [...target, a.kind, a.status !== null && a.status < 400 ? "ok" : "error"]);
      if (a.error_type) bump(this.errors, [...target, this.label("error_type", a.error_type)]);
    }
  };

  /** The metrics in Prometheus' text format (version 0.0.4). */
  text(): { body: string; contentType: string } {
    const out: string[] = [];
    const series = [...this.calls.values()];
    const call = (s: CallSeries) => ({ provider: s.labels[0], model: s.labels[1] });
    family(out, "opentracy_requests_total", "counter", "Requests answered, by endpoint, provider, selected model, alias and status", (emit) => {
      const sums = new Map<string, number>();
      for (const s of series) {
        const k = JSON.stringify([...s.labels.slice(0, 4), s.labels[5]]);
        sums.set(k, (sums.get(k) ?? 0) + s.requests);
      }
      for (const [k, n] of sums) {
        const [provider, model, alias, status, api] = JSON.parse(k) as string[];
        emit({ api, provider, model, alias, status }, n);
      }
    });
    family(out, "opentracy_tokens_total", "counter", "Tokens by kind (input, output, cached, reasoning)", (emit) => {
      const sums = new Map<string, number>();
      for (const s of series) {
        for (const [kind, n] of [
          ["input", s.input],
          ["output", s.output],
          ["cached", s.cached],
          ["reasoning", s.reasoning],
        ] as const) {
          if (!n) continue;
          const k = JSON.stringify([s.labels[0], s.labels[1], kind]);
          sums.set(k, (sums.get(k) ?? 0) + n);
        }
      }
      for (const [k, n] of sums) {
        const [provider, model, kind] = JSON.parse(k) as string[];
        emit({ provider, model, kind }, n);
      }
    });
    family(out, "opentracy_cost_usd_total", "counter", "Spend in USD, for calls with a known price", (emit) => {
      const sums = new Map<string, number>();
      for (const s of series) {
        if (!s.cost) continue;
        const k = JSON.stringify(s.labels.slice(0, 2));
        sums.set(k, (sums.get(k) ?? 0) + s.cost);
      }
      for (const [k, n] of sums) {
        const [provider, model] = JSON.parse(k) as string[];
        emit({ provider, model }, n);
      }
    });
    family(out, "opentracy_token_cost_usd_total", "counter", "Spend in USD per engine token", (emit) => {
      for (const [token, n] of this.tokenCost) emit({ token }, n);
    });
    family(out, "opentracy_attempts_total", "counter", "Routing attempts: first tries, retries and fallbacks, and how each ended", (emit) => {
      for (const {
        labels: [provider, model, kind, outcome],
        count,
      } of this.attempts.values())
        emit({ provider, model, kind, outcome }, count);
    });
    family(out, "opentracy_upstream_errors_total", "counter", "Failed attempts by error type", (emit) => {
      for (const {
        labels: [provider, model, error_type],
        count,
      } of this.errors.values())
        emit({ provider, model, error_type }, count);
    });
    histogramFamily(
      out,
      "opentracy_request_duration_seconds",
      "Time from request to the end of the answer",
      series,
      (s) => s.latency,
      (s) => ({ ...call(s), stream: s.labels[4] }),
    );
    histogramFamily(out, "opentracy_time_to_first_token_seconds", "Time to the first streamed token", series, (s) => s.ttft, call);
    if (this.sources.targets) out.push(cooldownText(this.sources.targets()));
    family(out, "opentracy_token_budget_ratio", "gauge", "Spend over budget per engine token and period (day, month, total): 1 is the budget", (emit) => {
      for (const b of this.sources.budgets?.() ?? []) emit({ token: this.label("token", b.token), period: b.period }, b.ratio);
    });
    const writer = this.sources.writer();
    const gauge = (name: string, help: string, field: string) =>
      family(out, name, "gauge", help, (emit) => emit({}, typeof writer[field] === "number" ? (writer[field] as number) : 0));
    gauge("opentracy_trace_queue_depth", "Traces waiting for the background writer", "queued");
    gauge("opentracy_trace_writer_written", "Traces the writer has stored since the engine started", "written");
    gauge("opentracy_trace_writer_dropped", "Traces dropped since the engine started because the writer's queue was full", "dropped");
    gauge("opentracy_trace_spool_rows", "Trace rows spooled to disk while ClickHouse is unreachable", "spooled_rows");
    const spans = this.sources.spansDropped;
    if (spans)
      family(out, "opentracy_otlp_spans_dropped", "gauge", "Spans not sent to the OTLP collector since the engine started", (emit) => emit({}, spans()));
    return { body: out.join(""), contentType: "text/plain; version=0.0.4; charset=utf-8" };
  }

  private label(name: string, value: string | null): string {
    if (value === null || value === "") return "";
    let set = this.seen.get(name);
    if (!set) this.seen.set(name, (set = new Set()));
    if (set.has(value)) return value;
    if (set.size >= LABEL_LIMIT) return "other";
    set.add(value);
    return value;
  }
}

/**
 * The cooldown gauge family. Cooldowns live in the process that routes: under `serve --workers`
 * a worker appends its own to the primary's text, labelled with `worker`.
 */
export function cooldownText(targets: Record<string, TargetState>, labels: Record<string, string> = {}): string {
  const out: string[] = [];
  family(out, "opentracy_target_cooling_down", "gauge", "1 while a routing target is cooling down after failures, else 0", (emit) => {
    for (const [target, s] of Object.entries(targets)) emit({ target, ...labels }, s.state === "cooling_down" ? 1 : 0);
  });
  return out.join("");
}

function bump(map: Map<string, { labels: string[]; count: number }>, labels: string[]): void {
  const key = labels.join("\u0000");
  const e = map.get(key);
  if (e) e.count++;
  else map.set(key, { labels, count: 1 });
}

type Emit = (labels: Record<string, string>, value: number) => void;

// The exposition format's escapes: a label value escapes \, " and newlines; help text \ and newlines.
const labelValue = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const helpText = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const sample = (name: string, labels: Record<string, string>, value: number) => {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return `${name}${l.length ? `{${l.join(",")}}` : ""} ${Number.isFinite(value) ? value : value > 0 ? "+Inf" : "-Inf"}\n`;
};

function family(out: string[], name: string, type: "counter" | "gauge", help: string, fill: (emit: Emit) => void): void {
  out.push(`# HELP ${name} ${helpText(help)}\n# TYPE ${name} ${type}\n`);
  fill((labels, value) => out.push(sample(name, labels, value)));
}

/** Series with the same labels are merged (calls differ by alias and status too), then written as buckets, sum and count. */
function histogramFamily(
  out: string[],
  name: string,
  help: string,
  series: CallSeries[],
  pick: (s: CallSeries) => Histogram,
  labelsOf: (s: CallSeries) => Record<string, string>,
): void {
  out.push(`# HELP ${name} ${helpText(help)}\n# TYPE ${name} histogram\n`);
  const merged = new Map<string, { labels: Record<string, string>; h: Histogram }>();
  for (const s of series) {
    const h = pick(s);
    const n = h.counts.reduce((a, b) => a + b, 0);
    if (!n) continue;
    const labels = labelsOf(s);
    const key = JSON.stringify(labels);
    let m = merged.get(key);
    if (!m) merged.set(key, (m = { labels, h: new Histogram() }));
    for (let i = 0; i < h.counts.length; i++) m.h.counts[i]! += h.counts[i]!;
    m.h.sum += h.sum;
  }
  for (const { labels, h } of merged.values()) {
    let cumulative = 0;
    for (let i = 0; i < h.counts.length; i++) {
      cumulative += h.counts[i]!;
      out.push(sample(`${name}_bucket`, { ...labels, le: i < LATENCY_BUCKETS.length ? String(LATENCY_BUCKETS[i]) : "+Inf" }, cumulative));
    }
    out.push(sample(`${name}_sum`, labels, h.sum));
    out.push(sample(`${name}_count`, labels, cumulative));
  }
}
