import type { Tracer } from "@opentelemetry/api";
import type { SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import type { TraceRecord } from "../traces/record.ts";
import { applyPolicy, type ContentPolicy } from "../traces/writer.ts";

/** Where spans go and what they carry, from the environment (OpenTelemetry's own variables, or ours). */
export interface OtlpConfig {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  /** gen_ai.input.messages / gen_ai.output.messages: only when asked for, and under the content policy. */
  content: boolean;
}

/**
 * `OPENTRACY_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` (a base: `/v1/traces` is appended, as
 * the OpenTelemetry SDKs do), or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the whole URL); null when
 * none is set. Headers from `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values URL-encoded).
 */
export function otlpConfig(env: NodeJS.ProcessEnv): OtlpConfig | null {
  const base = env.OPENTRACY_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base.replace(/\/+$/, "")}/v1/traces` : "");
  if (!url) return null;
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS || env.OTEL_EXPORTER_OTLP_HEADERS || "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return { url, headers, serviceName: env.OTEL_SERVICE_NAME || "opentracy", content: /^(1|true|yes|on)$/i.test(env.OPENTRACY_OTLP_CONTENT ?? "") };
}

/** gen_ai.provider.name: the semantic conventions' well-known values where there is one, else our provider name. */
const PROVIDER_NAMES: Record<string, string> = {
  azure: "azure.ai.openai",
  bedrock: "aws.bedrock",
  gemini: "gcp.gemini",
  mistral: "mistral_ai",
  xai: "x_ai",
};

const MAX_QUEUE = 2048;
const DRAIN_MS = 1000;

/**
 * One span per call (`opentracy.api` says which endpoint), with the OpenTelemetry GenAI semantic conventions, and a child span per
 * routing attempt, sent over OTLP/HTTP by the SDK's batch processor. Fed from the trace records as
 * the writer queues them: the request path pushes the record onto an array, spans are made from
 * it at most a second later, and the SDK is loaded then, not at start. The queue is bounded: a
 * collector that is down or slow costs a counter of dropped spans, never memory or a request.
 */
export class OtlpExport {
  private pending: TraceRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sdk: Promise<{ provider: TracerProvider; tracer: Tracer; api: typeof import("@opentelemetry/api") }> | null = null;
  /** Calls whose span was not sent: over the queue's bound, or refused or unanswered by the collector. */
  dropped = 0;

  constructor(
    private readonly config: OtlpConfig,
    private readonly policy: () => ContentPolicy,
  ) {}

  readonly observe = (record: TraceRecord): void => {
    if (this.pending.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.pending.push(record);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.drain(), DRAIN_MS);
      this.timer.unref?.();
    }
  };

  /** Turns what is pending into spans and hands them to the batch processor. */
  async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const { tracer, api } = await (this.sdk ??= this.load());
    const batch = this.pending;
    this.pending = [];
    for (const r of batch) this.span(tracer, api, r);
  }

  /** Sends everything made so far (at shutdown, and in tests). */
  async flush(): Promise<void> {
    await this.drain();
    if (this.sdk) await (await this.sdk).provider.forceFlush();
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.sdk) await (await this.sdk).provider.shutdown();
  }

  private async load() {
    const [api, { TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
      import("@opentelemetry/api"),
      import("@opentelemetry/sdk-trace"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
    const otlp = new OTLPTraceExporter({ url: this.config.url, headers: this.config.headers });
    // Spans a collector did not take (down, refusing, too slow) are counted, for /metrics.
    const exporter: SpanExporter = {
      export: (spans, done) =>
        otlp.export(spans, (result) => {
          if (result.code !== 0) this.dropped += spans.length;
          done(result);
        }),
      shutdown: () => otlp.shutdown(),
      forceFlush: () => otlp.forceFlush(),
    };
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": this.config.serviceName }),
      spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: MAX_QUEUE, scheduledDelayMillis: 1000 })],
    });
    return { provider, tracer: provider.getTracer("opentracy"), api };
  }

  private span(tracer: Tracer, api: typeof import("@opentelemetry/api"), r: TraceRecord): void {
    const start = Date.parse(r.ts_start);
    const model = r.selected_model?.slice(r.selected_model.indexOf("/") + 1) ?? r.requested_model;
    // The conventions' operation names: `chat` for chat completions and Messages, `embeddings`.
    const operation = r.api === "embeddings" ? "embeddings" : "chat";
    const attributes: Record<string, string | number | boolean | string[]> = {
      "gen_ai.operation.name": operation,
      "gen_ai.request.model": r.requested_model,
      "opentracy.trace_id": r.id,
      "opentracy.api": r.api,
      "opentracy.attempts": r.attempts.length,
    };
    if (r.provider) attributes["gen_ai.provider.name"] = PROVIDER_NAMES[r.provider] ?? r.provider;
    if (r.selected_model) attributes["gen_ai.response.model"] = model;
    if (r.response_id) attributes["gen_ai.response.id"] = r.response_id;
    if (r.finish_reason) attributes["gen_ai.response.finish_reasons"] = [r.finish_reason];
    if (r.input_tokens !== null) attributes["gen_ai.usage.input_tokens"] = r.input_tokens;
    if (r.output_tokens !== null) attributes["gen_ai.usage.output_tokens"] = r.output_tokens;
    if (r.cached_tokens) attributes["gen_ai.usage.cache_read.input_tokens"] = r.cached_tokens;
    if (r.reasoning_tokens) attributes["gen_ai.usage.reasoning.output_tokens"] = r.reasoning_tokens;
    if (r.cost_usd !== null) attributes["opentracy.cost_usd"] = r.cost_usd;
    if (r.alias) attributes["opentracy.alias"] = r.alias;
    if (r.error_type) attributes["error.type"] = r.error_type;
    if (this.config.content) {
      const shown = applyPolicy(r, this.policy());
      if (shown.request !== null) attributes["gen_ai.input.messages"] = JSON.stringify(shown.request);
      if (shown.response !== null) attributes["gen_ai.output.messages"] = JSON.stringify(shown.response);
    }
    const parent = remoteParent(api, r.traceparent);
    const span = tracer.startSpan(`${operation} ${model}`, { kind: api.SpanKind.CLIENT, startTime: start, attributes }, parent);
    if (r.status === "error") span.setStatus({ code: api.SpanStatusCode.ERROR, message: r.error_message ?? r.error_type ?? "" });
    const inside = api.trace.setSpan(parent, span);
    for (const [i, a] of r.attempts.entries()) {
      const from = start + (a.start_ms ?? 0);
      const child = tracer.startSpan(
        `attempt ${i + 1} ${a.model}`,
        {
          kind: api.SpanKind.CLIENT,
          startTime: from,
          attributes: {
            "opentracy.attempt.kind": a.kind,
            "gen_ai.provider.name": PROVIDER_NAMES[a.provider] ?? a.provider,
            "gen_ai.request.model": a.model,
            ...(a.status !== null ? { "http.response.status_code": a.status } : {}),
            ...(a.error_type ? { "error.type": a.error_type } : {}),
          },
        },
        inside,
      );
      if (a.error_type) child.setStatus({ code: api.SpanStatusCode.ERROR });
      child.end(from + a.latency_ms);
    }
    span.end(Date.parse(r.ts_end));
  }
}

/** The caller's span as the parent (its trace id is the trace this call joins), or no parent. */
function remoteParent(api: typeof import("@opentelemetry/api"), traceparent: string | null) {
  if (!traceparent) return api.ROOT_CONTEXT;
  const [, traceId, spanId, flags] = traceparent.split("-");
  return api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: traceId!, spanId: spanId!, traceFlags: Number.parseInt(flags!, 16), isRemote: true });
}
