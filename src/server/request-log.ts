import type { Call, TraceError } from "./call.ts";

export type LogFormat = "text" | "json";

/** What a line needs, copied out of the Call: holding the Call itself would keep its prompt and answer alive until the flush. */
interface Finished {
  at: number;
  traceId: string;
  requested: string;
  selected: string | null;
  alias: string | null;
  status: number;
  errorType: string | null;
  errorMessage: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cost: number | null;
  latencyMs: number;
}

/**
 * Past this many requests in one second, the text log gives the rest of that second one summary
 * line instead of a line each: at thousands of requests a second no one reads the scroll, and
 * formatting and writing it cost ~2 µs a request. Every request is still in the traces, and
 * `--log-format json` (for machines) keeps a line each.
 */
const LINES_PER_SECOND = 20;

/** The requests of one second past LINES_PER_SECOND: counted, not formatted. */
interface Overflow {
  second: number;
  count: number;
  byStatus: Map<number, number>;
}

/**
 * One line per request on the engine's terminal: time, model → selected model, status, tokens,
 * cost, latency. The request only queues its finished Call; lines are formatted and written
 * together a moment later, so the request path does no formatting and no I/O for them.
 */
export class RequestLog {
  private queue: (Finished | string)[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private second = -1;
  private linesThisSecond = 0;
  private overflow: Overflow | null = null;
  private overflowTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly format: LogFormat,
    private readonly write: (text: string) => void,
    private readonly delayMs = 1,
    private readonly linesPerSecond = format === "text" ? LINES_PER_SECOND : Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  add(call: Call, status: number, error: TraceError | null): void {
    const at = this.now();
    const second = Math.floor(at / 1000);
    if (second !== this.second) {
      this.endSecond();
      this.second = second;
      this.linesThisSecond = 0;
    }
    if (++this.linesThisSecond > this.linesPerSecond) {
      const o = (this.overflow ??= { second, count: 0, byStatus: new Map() });
      o.count++;
      o.byStatus.set(status, (o.byStatus.get(status) ?? 0) + 1);
      // The summary goes out when the second is over, whether or not another request comes.
      this.overflowTimer ??= setTimeout(this.endSecond, (second + 1) * 1000 - at);
      return;
    }
    this.queue.push({
      at,
      traceId: call.id,
      requested: call.requested,
      selected: call.selectedModel,
      alias: call.alias,
      status,
      errorType: error?.type ?? null,
      errorMessage: error?.message ?? null,
      inputTokens: call.usage?.prompt_tokens ?? null,
      outputTokens: call.usage?.completion_tokens ?? null,
      cost: call.cost,
      latencyMs: call.elapsedMs(),
    });
    this.timer ??= setTimeout(this.flush, this.delayMs);
  }

  /** The summary of the second that overflowed, queued and written. */
  private readonly endSecond = (): void => {
    if (this.overflowTimer) clearTimeout(this.overflowTimer);
    this.overflowTimer = null;
    const o = this.overflow;
    if (!o) return;
    this.overflow = null;
    this.queue.push(overflowLine(o));
    this.flush();
  };

  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.queue.length) return;
    let out = "";
    const clock = new SecondClock();
    for (const f of this.queue) out += `${typeof f === "string" ? f : this.format === "json" ? jsonLine(f, clock) : textLine(f, clock)}\n`;
    this.queue = [];
    this.write(out);
  };

  /** Everything held, the summary of the current second included (shutdown). */
  close(): void {
    this.endSecond();
    this.flush();
  }
}

function overflowLine(o: Overflow): string {
  const statuses = [...o.byStatus].sort((a, b) => b[1] - a[1]).map(([status, n]) => `${n.toLocaleString("en-US")} × ${status}`);
  return `${new Date(o.second * 1000).toISOString().slice(0, 19)}Z  … ${o.count.toLocaleString("en-US")} more requests in this second: ${statuses.join(", ")} (each is in the traces)`;
}

/** ISO timestamps for a batch of lines that mostly share their second: the date is formatted once per second, not per line. */
class SecondClock {
  private second = -1;
  private prefix = "";

  iso(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    return `${this.prefix}${String(ms % 1000).padStart(3, "0")}Z`;
  }
}

function textLine(f: Finished, clock: SecondClock): string {
  const route = f.selected && f.selected !== f.requested ? `${f.requested || "?"} → ${f.selected}` : f.requested || "?";
  let line = `${clock.iso(f.at)}  ${route}  ${f.status}`;
  if (f.inputTokens !== null || f.outputTokens !== null) line += `  ${f.inputTokens ?? 0}/${f.outputTokens ?? 0} tok`;
  line += f.cost === null ? "  $—" : `  $${f.cost.toFixed(f.cost < 0.01 ? 6 : 4)}`;
  line += `  ${Math.round(f.latencyMs)} ms`;
  if (f.errorType) line += `  ${f.errorType}: ${f.errorMessage && f.errorMessage.length > 160 ? `${f.errorMessage.slice(0, 160)}…` : f.errorMessage}`;
  return line;
}

function jsonLine(f: Finished, clock: SecondClock): string {
  return JSON.stringify({
    ts: clock.iso(f.at),
    trace_id: f.traceId,
    requested_model: f.requested,
    selected_model: f.selected,
    alias: f.alias,
    status: f.status,
    error_type: f.errorType,
    error_message: f.errorMessage,
    input_tokens: f.inputTokens,
    output_tokens: f.outputTokens,
    cost_usd: f.cost,
    latency_ms: f.latencyMs,
  });
}
