import type { Subprocess } from "bun";
import type { TraceRecord } from "../../traces/record.ts";
import { summaryOf } from "../../traces/live-feed.ts";
import type { TraceSummary } from "../../traces/queries.ts";
import type { Engine } from "../engine.ts";
import { type FlushAnswer, flushAnswer } from "../api/flush.ts";
import { FLUSH_TIMEOUT_MS } from "./primary-link.ts";
import { type SpendPart, type ToPrimary, type ToWorker, WORKER_ENV, WORKER_PORT_ENV } from "./messages.ts";

export interface PrimaryOptions {
  count: number;
  /** The primary's engine: the real trace sink, the metrics, the OTLP export; it serves no request. */
  engine: Engine;
  /** This program and its arguments, to start each worker with. */
  cmd: string[];
  env: NodeJS.ProcessEnv;
  /** The one port every worker binds (SO_REUSEPORT: the kernel spreads connections across them). */
  port: number;
  log: (line: string) => void;
}

interface Worker {
  index: number;
  proc: Subprocess;
  ready: boolean;
  live: boolean;
  drained: boolean;
  /** Resolves once the worker has sent everything it traced, or exited without saying so. */
  done: Promise<void>;
}

/** A worker that dies sooner than this after its start is restarted only after this long: a crash loop must not spin. */
const MIN_UPTIME_MS = 2_000;
/** How long a flush waits for the other workers' traces: half of what the asking worker waits for the answer. */
const OTHERS_FLUSH_MS = FLUSH_TIMEOUT_MS / 2;

/**
 * `serve --workers N`: starts N copies of this program as workers on one port, writes the traces
 * they send (exactly once: they have no sink of their own), relays each one's spend and live rows
 * to the others, answers their /metrics and trace-writer questions, restarts one that crashes, and
 * on stop passes SIGTERM on and waits until every worker has drained and sent its last traces.
 */
export class Primary {
  private readonly workers: Worker[] = [];
  private stopping = false;
  private nextFlush = 0;
  private readonly flushes = new Map<number, (from: Worker) => void>();
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly opts: PrimaryOptions) {}

  /** Resolves when every worker listens; rejects when one exits before it does. */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    for (let i = 0; i < this.opts.count; i++) this.spawn(i);
    return ready;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.proc.pid);
  }

  private spawn(index: number): void {
    const startedAt = performance.now();
    let markDone = () => {};
    const worker: Worker = {
      index,
      ready: false,
      live: false,
      drained: false,
      done: new Promise<void>((r) => (markDone = r)),
      proc: Bun.spawn({
        cmd: this.opts.cmd,
        env: { ...this.opts.env, [WORKER_ENV]: `${index}/${this.opts.count}`, [WORKER_PORT_ENV]: String(this.opts.port) },
        // stdout is the primary's ("listening on" is said once, by it); the workers' logs go to stderr.
        stdio: ["ignore", "ignore", "inherit"],
        serialization: "json",
        ipc: (m: ToPrimary) => this.receive(worker, m, markDone),
        onExit: (_p, code, signal) => {
          // Its last batches may still be on their way (the channel and the exit are not ordered):
          // "drained" ends the wait; a worker that crashed never sends it.
          if (!worker.drained) setTimeout(markDone, 1_000);
          this.exited(worker, code, signal, performance.now() - startedAt);
        },
      }),
    };
    this.workers[index] = worker;
  }

  private exited(worker: Worker, code: number | null, signal: NodeJS.Signals | number | null, uptimeMs: number): void {
    if (this.stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.readyWaiter) {
      // Still starting: a worker that cannot listen (a port in use, a bad certificate) fails the start.
      this.readyWaiter.reject(new Error(`worker ${worker.index} exited with ${how} before listening`));
      this.readyWaiter = null;
      return;
    }
    const delay = uptimeMs < MIN_UPTIME_MS ? MIN_UPTIME_MS : 0;
    this.opts.log(`worker ${worker.index} (pid ${worker.proc.pid}) exited with ${how}; starting a new one${delay ? ` in ${delay} ms` : ""}`);
    setTimeout(() => {
      if (!this.stopping) this.spawn(worker.index);
    }, delay);
  }

  private receive(from: Worker, m: ToPrimary, markDone: () => void): void {
    switch (m.t) {
      case "ready":
        from.ready = true;
        if (this.readyWaiter && this.workers.length === this.opts.count && this.workers.every((w) => w.ready)) {
          this.readyWaiter.resolve();
          this.readyWaiter = null;
        }
        return;
      case "traces":
        this.traces(from, m.lines);
        return;
      case "live":
        from.live = m.on;
        return;
      case "ask": {
        const { engine } = this.opts;
        if (m.q === "flush") void this.flush(from).then((value) => this.send(from, { t: "answer", id: m.id, value }));
        else this.send(from, { t: "answer", id: m.id, value: m.q === "metrics" ? engine.metrics.text() : engine.writer.status() });
        return;
      }
      case "flushed":
        this.flushes.get(m.id)?.(from);
        return;
      case "drained":
        from.drained = true;
        markDone();
        return;
    }
  }

  /**
   * Every worker's queued traces written: the asking worker sent its own before asking; the
   * others are asked to send theirs, which arrive before their `flushed` (one ordered channel
   * each). A worker that exits meanwhile counts as done; one that hangs is waited for at most
   * OTHERS_FLUSH_MS (well under the asking worker's own wait, so the write still fits in it).
   */
  private async flush(from: Worker): Promise<FlushAnswer> {
    const others = this.workers.filter((w) => w !== from && w.ready);
    if (others.length) {
      const id = this.nextFlush++;
      const left = new Set(others);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        const done = (w: Worker) => {
          left.delete(w);
          if (!left.size) resolve();
        };
        this.flushes.set(id, done);
        timer = setTimeout(() => {
          this.opts.log(
            `flush: worker(s) ${[...left].map((w) => w.index).join(", ")} did not send their traces within ${OTHERS_FLUSH_MS} ms; writing the rest`,
          );
          resolve();
        }, OTHERS_FLUSH_MS);
        for (const w of others) {
          this.send(w, { t: "flush", id });
          void w.done.then(() => done(w));
        }
      });
      clearTimeout(timer);
      this.flushes.delete(id);
    }
    await this.opts.engine.writer.settle();
    return flushAnswer(this.opts.engine.writer);
  }

  /** Writes a worker's batch and tells the other workers what it changes for them. */
  private traces(from: Worker, lines: string): void {
    const parts: SpendPart[] = [];
    const rows: TraceSummary[] = [];
    const anyLive = this.workers.some((w) => w !== from && w.live);
    let start = 0;
    while (start < lines.length) {
      let end = lines.indexOf("\n", start);
      if (end === -1) end = lines.length;
      const line = lines.slice(start, end);
      start = end + 1;
      if (!line) continue;
      const r = JSON.parse(line) as TraceRecord;
      this.opts.engine.writer.enqueue(r);
      if (r.token_name) {
        const { token_name, cost_usd, status, ts_start, input_tokens, output_tokens } = r;
        parts.push({ token_name, cost_usd, status, ts_start, input_tokens, output_tokens });
      }
      if (anyLive) rows.push(summaryOf(r));
    }
    for (const w of this.workers) {
      if (w === from) continue;
      if (parts.length) this.send(w, { t: "spend", parts });
      if (rows.length && w.live) this.send(w, { t: "live", rows });
    }
  }

  private send(w: Worker, m: ToWorker): void {
    try {
      w.proc.send(m);
    } catch {
      // A worker that is gone: its replacement loads the spend from the store.
    }
  }

  /** Passes the signal on and waits until every worker has drained and sent its last traces. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    this.stopping = true;
    for (const w of this.workers) w.proc.kill(signal);
    await Promise.all(this.workers.map((w) => w.done));
    // Messages that arrived with the exit are handled in this turn; give them one.
    await new Promise((r) => setImmediate(r));
  }
}
