import type { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { TargetState } from "../routing/health.ts";
import type { TraceRecord } from "../traces/record.ts";

/** What the gauges read at scrape time: the engine's own state, not anything a request carries. */
export interface MetricSources {
  targets(): Record<string, TargetState>;
  writer(): Record<string, unknown>;
}

/** Distinct values kept per label before the rest are counted as "other": a client naming models at random cannot grow the series. */
export const LABEL_LIMIT = 200;
const DRAIN_MS = 1000;
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

interface Instruments {
  registry: Registry;
  requests: Counter;
  tokens: Counter;
  cost: Counter;
  tokenCost: Counter;
  attempts: Counter;
  upstreamErrors: Counter;
  latency: Histogram;
  ttft: Histogram;
}

/**
 * Prometheus metrics (`GET /metrics`), fed from finished trace records as the writer queues them
 * (so with traces off there is nothing to count): the request path only pushes the record onto an
 * array; the counters are updated from it at most
 * a second later, or at the next scrape, off the request path, and prom-client itself is loaded
 * on the first of those, so an engine nobody scrapes never loads it. Labels are the provider, the
 * selected model, the alias, the status and the engine token's name: never a user's own values,
 * and each capped at LABEL_LIMIT distinct values.
 */
export class EngineMetrics {
  private pending: TraceRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private instruments: Promise<Instruments> | null = null;
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly sources: MetricSources) {}

  readonly observe = (record: TraceRecord): void => {
    this.pending.push(record);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.drain(), DRAIN_MS);
      this.timer.unref?.();
    }
  };

  /** The metrics in Prometheus' text format, with everything observed so far counted. */
  async text(): Promise<{ body: string; contentType: string }> {
    const m = await this.drain();
    return { body: await m.registry.metrics(), contentType: m.registry.contentType };
  }

  private async drain(): Promise<Instruments> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const m = await (this.instruments ??= this.create());
    const batch = this.pending;
    this.pending = [];
    for (const r of batch) this.count(m, r);
    return m;
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

  private count(m: Instruments, r: TraceRecord): void {
    const provider = this.label("provider", r.provider);
    const model = this.label("model", r.selected_model);
    const labels = { provider, model };
    m.requests.inc({ ...labels, alias: this.label("alias", r.alias), status: r.status });
    if (r.input_tokens) m.tokens.inc({ ...labels, kind: "input" }, r.input_tokens);
    if (r.output_tokens) m.tokens.inc({ ...labels, kind: "output" }, r.output_tokens);
    if (r.cached_tokens) m.tokens.inc({ ...labels, kind: "cached" }, r.cached_tokens);
    if (r.reasoning_tokens) m.tokens.inc({ ...labels, kind: "reasoning" }, r.reasoning_tokens);
    if (r.cost_usd) {
      m.cost.inc(labels, r.cost_usd);
      if (r.token_name) m.tokenCost.inc({ token: this.label("token", r.token_name) }, r.cost_usd);
    }
    m.latency.observe({ ...labels, stream: String(r.stream) }, r.latency_ms / 1000);
    if (r.stream && r.ttft_ms !== null) m.ttft.observe(labels, r.ttft_ms / 1000);
    for (const a of r.attempts) {
      const target = { provider: this.label("provider", a.provider), model: this.label("model", a.model) };
      m.attempts.inc({ ...target, kind: a.kind, outcome: a.status !== null && a.status < 400 ? "ok" : "error" });
      if (a.error_type) m.upstreamErrors.inc({ ...target, error_type: this.label("error_type", a.error_type) });
    }
  }

  private async create(): Promise<Instruments> {
    const prom = await import("prom-client");
    const registry = new prom.Registry();
    const counter = (name: string, help: string, labelNames: string[]) => new prom.Counter({ name, help, labelNames, registers: [registry] });
    const histogram = (name: string, help: string, labelNames: string[]) =>
      new prom.Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [registry] });
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
      new prom.Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          collect(this);
        },
      });
    const { sources } = this;
    gauge("opentracy_target_cooling_down", "1 while a routing target is cooling down after failures, else 0", ["target"], (g) => {
      g.reset();
      for (const [target, s] of Object.entries(sources.targets())) g.set({ target }, s.state === "cooling_down" ? 1 : 0);
    });
    const writerGauge = (name: string, help: string, field: string) =>
      gauge(name, help, [], (g) => {
        const v = sources.writer()[field];
        g.set(typeof v === "number" ? v : 0);
      });
    writerGauge("opentracy_trace_queue_depth", "Traces waiting for the background writer", "queued");
    writerGauge("opentracy_trace_writer_written", "Traces the writer has stored since the engine started", "written");
    writerGauge("opentracy_trace_writer_dropped", "Traces dropped since the engine started because the writer's queue was full", "dropped");
    writerGauge("opentracy_trace_spool_rows", "Trace rows spooled to disk while ClickHouse is unreachable", "spooled_rows");
    return {
      registry,
      requests: counter("opentracy_requests_total", "Requests answered, by provider, selected model, alias and status", [
        "provider",
        "model",
        "alias",
        "status",
      ]),
      tokens: counter("opentracy_tokens_total", "Tokens by kind (input, output, cached, reasoning)", ["provider", "model", "kind"]),
      cost: counter("opentracy_cost_usd_total", "Spend in USD, for calls with a known price", ["provider", "model"]),
      tokenCost: counter("opentracy_token_cost_usd_total", "Spend in USD per engine token", ["token"]),
      attempts: counter("opentracy_attempts_total", "Routing attempts: first tries, retries and fallbacks, and how each ended", [
        "provider",
        "model",
        "kind",
        "outcome",
      ]),
      upstreamErrors: counter("opentracy_upstream_errors_total", "Failed attempts by error type", ["provider", "model", "error_type"]),
      latency: histogram("opentracy_request_duration_seconds", "Time from request to the end of the answer", ["provider", "model", "stream"]),
      ttft: histogram("opentracy_time_to_first_token_seconds", "Time to the first streamed token", ["provider", "model"]),
    };
  }
}
