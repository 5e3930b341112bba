import type { TraceRecord } from "./record.ts";
import { redactValue } from "./redact.ts";
import type { TraceSink } from "./file-sink.ts";
import { TraceBatch } from "./batch.ts";
import { eachInSlices } from "./next-turn.ts";

export interface ContentPolicy {
  /** false: no prompt or answer text is stored. */
  content: boolean;
  /** true: emails, phone numbers, cards, IPs and secrets are masked in stored text. */
  redact: boolean;
}

export interface WriterOptions {
  flushMs?: number;
  /** After a failed write, the next try waits this long (default 1000 ms), however short flushMs is. */
  retryMs?: number;
  batchSize?: number;
  maxQueue?: number;
  log?: (line: string) => void;
}

/**
 * The only trace work on the request path is `enqueue`, an array push. Serialisation,
 * redaction and I/O happen here, in batches, at most `flushMs` after a trace is queued. The timer
 * runs only while traces wait, so an idle engine never wakes up for nothing.
 */
export class TraceWriter {
  private queue: TraceRecord[] = [];
  private flushing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private started = false;
  private readonly flushMs: number;
  private readonly retryMs: number;
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly log: (line: string) => void;
  dropped = 0;
  written = 0;
  private failing = false;
  /** Why writes are failing, while they are. */
  private lastError: string | null = null;

  constructor(
    private readonly sink: TraceSink,
    private readonly policy: () => ContentPolicy,
    opts: WriterOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? sink.flushMs ?? 200;
    this.retryMs = opts.retryMs ?? 1000;
    this.batchSize = opts.batchSize ?? sink.batchSize ?? 1000;
    this.maxQueue = opts.maxQueue ?? 100_000;
    this.log = opts.log ?? (() => {});
  }

  start(): void {
    this.started = true;
    this.sink.start?.();
    this.arm();
  }

  /**
   * A flush `flushMs` from now, unless one is already due; again after it while traces remain.
   * While the sink fails, tries are `retryMs` apart: each try serialises the whole backlog again,
   * and a 1 ms cadence against a full disk would spin a core.
   */
  private arm(): void {
    if (this.timer || !this.started || !this.queue.length) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.flush().then(() => this.arm());
      },
      this.failing ? this.retryMs : this.flushMs,
    );
  }

  /** The writer's counters, whether its writes are failing (retried meanwhile), plus whatever the sink reports (state, spool, last error). */
  status(): Record<string, unknown> {
    return {
      sink: this.sink.kind ?? "custom",
      queued: this.queued,
      written: this.written,
      dropped: this.dropped,
      failing: this.failing,
      last_error: this.lastError,
      ...this.sink.status?.(),
    };
  }

  /** Nothing will be stored (traces off): a caller can skip building the record. */
  get discards(): boolean {
    return this.sink.discards === true;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Called with each record as it is queued (the metrics count from it): cheap work only, since
   * this runs on the request path.
   */
  observer: ((record: TraceRecord) => void) | null = null;

  enqueue(record: TraceRecord): void {
    if (this.discards) return;
    this.observer?.(record);
    if (this.queue.length >= this.maxQueue) {
      // A bounded queue protects the engine's memory when the disk stalls; say so loudly.
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.log(`trace queue full: ${this.dropped} traces dropped`);
      return;
    }
    this.queue.push(record);
    if (this.queue.length === this.batchSize) queueMicrotask(() => void this.flush());
    else this.arm();
  }

  /** Everything queued so far stored: written by the writer and sent on by a sink that holds rows (`POST /api/traces/flush`). */
  async settle(): Promise<void> {
    await this.flush();
    await this.sink.flush?.();
  }

  /** Writes everything queued so far; concurrent calls share one pass, so order is kept. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.queue.length ? this.flush() : undefined));
    if (!this.queue.length) return Promise.resolve();
    this.flushing = this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    // Only what is queued now. Traces that arrive during the writes wait for the next tick (or a
    // full batch): looping until the queue is empty would make every write as small as what
    // arrives during the previous one, and a slow sink (ClickHouse: ~25 ms per insert, whatever
    // its size) would get a stream of small inserts, ~200 rows each at 4k traces/s instead of ~800.
    let due = this.queue.length;
    while (due > 0) {
      // At most batchSize per write: a backlog after a stall becomes several normal-sized batches.
      const n = Math.min(due, this.batchSize);
      const batch = n === this.queue.length ? this.queue : this.queue.slice(0, n);
      this.queue = batch === this.queue ? [] : this.queue.slice(n);
      const policy = this.policy();
      try {
        await this.sink.write(new TraceBatch(policy.content && !policy.redact ? batch : await withPolicy(batch, policy)));
        this.written += batch.length;
        due -= n;
        if (this.failing) this.log("trace writes recovered");
        this.failing = false;
        this.lastError = null;
      } catch (e: any) {
        // Put the batch back in front so nothing is lost; the next tick tries again.
        this.queue = batch.concat(this.queue);
        // Once per outage, not once per retry.
        if (!this.failing) this.log(`trace write failed: ${e?.message ?? e}; retrying`);
        this.failing = true;
        this.lastError = String(e?.message ?? e);
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sink.beginClose?.();
    await this.flush();
    await this.sink.close();
  }
}

/** applyPolicy over a batch; redaction a slice at a time, serving requests in between. */
async function withPolicy(batch: TraceRecord[], policy: ContentPolicy): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  await eachInSlices(batch, (r) => out.push(applyPolicy(r, policy)));
  return out;
}

export function applyPolicy(r: TraceRecord, policy: ContentPolicy): TraceRecord {
  if (!policy.content) return { ...r, request: null, request_params: null, response: null };
  if (policy.redact) {
    return {
      ...r,
      request: redactValue(r.request),
      request_params: r.request_params && (redactValue(r.request_params) as Record<string, unknown>),
      response: redactValue(r.response),
      error_message: r.error_message === null ? null : (redactValue(r.error_message) as string),
    };
  }
  return r;
}
