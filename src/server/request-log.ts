import type { Call, TraceError } from "./call.ts";

export type LogFormat = "text" | "json";

interface Finished {
  call: Call;
  status: number;
  error: TraceError | null;
  at: number;
  latencyMs: number;
}

/**
 * One line per request on the engine's terminal: time, model → selected model, status, tokens,
 * cost, latency. The request only queues its finished Call; lines are formatted and written
 * together a moment later, so the request path does no formatting and no I/O for them.
 */
export class RequestLog {
  private queue: Finished[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly format: LogFormat,
    private readonly write: (text: string) => void,
    private readonly delayMs = 50,
  ) {}

  add(call: Call, status: number, error: TraceError | null): void {
    this.queue.push({ call, status, error, at: Date.now(), latencyMs: call.elapsedMs() });
    this.timer ??= setTimeout(this.flush, this.delayMs);
  }

  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.queue.length) return;
    let out = "";
    for (const f of this.queue) out += `${this.format === "json" ? jsonLine(f) : textLine(f)}\n`;
    this.queue = [];
    this.write(out);
  };
}

function textLine({ call, status, error, at, latencyMs }: Finished): string {
  const route = call.selectedModel && call.selectedModel !== call.requested ? `${call.requested || "?"} → ${call.selectedModel}` : call.requested || "?";
  const parts = [new Date(at).toISOString(), route, String(status)];
  if (call.usage) parts.push(`${call.usage.prompt_tokens ?? 0}/${call.usage.completion_tokens ?? 0} tok`);
  parts.push(call.cost === null ? "$—" : `$${call.cost.toFixed(call.cost < 0.01 ? 6 : 4)}`, `${Math.round(latencyMs)} ms`);
  if (error) parts.push(`${error.type}: ${error.message.length > 160 ? `${error.message.slice(0, 160)}…` : error.message}`);
  return parts.join("  ");
}

function jsonLine({ call, status, error, at, latencyMs }: Finished): string {
  return JSON.stringify({
    ts: new Date(at).toISOString(),
    trace_id: call.id,
    requested_model: call.requested,
    selected_model: call.selectedModel,
    alias: call.alias,
    status,
    error_type: error?.type ?? null,
    error_message: error?.message ?? null,
    input_tokens: call.usage?.prompt_tokens ?? null,
    output_tokens: call.usage?.completion_tokens ?? null,
    cost_usd: call.cost,
    latency_ms: latencyMs,
  });
}
