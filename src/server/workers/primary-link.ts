import type { TraceSummary } from "../../traces/queries.ts";
import type { TraceRecord } from "../../traces/record.ts";
import type { Question, SpendPart, ToPrimary, ToWorker } from "./messages.ts";

/** What a worker's link feeds: the spend and rate ledgers, and the live view. */
export interface LinkTargets {
  observeSpend(part: TraceRecord): void;
  publishRow(row: TraceSummary): void;
  /** Sends every trace queued so far to the primary. */
  flush(): Promise<void>;
}

const ASK_TIMEOUT_MS = 5_000;
/** A flush waits for the primary's write, which may be a ClickHouse insert (its own timeout is 30 s by default). */
export const FLUSH_TIMEOUT_MS = 60_000;

/**
 * A worker's end of the channel to its primary. The primary relays what the other workers
 * finished (their spend, so a token's budget holds across workers; their rows, for an open live
 * view) and answers questions whose answer only it has (/metrics, the trace writer's state).
 */
export class PrimaryLink {
  private nextId = 0;
  private readonly waiting = new Map<number, (value: unknown) => void>();

  constructor(
    readonly send: (m: ToPrimary) => void,
    private readonly targets: LinkTargets,
  ) {}

  receive(m: ToWorker): void {
    if (m.t === "spend") for (const part of m.parts) this.targets.observeSpend(part as SpendPart as TraceRecord);
    else if (m.t === "live") for (const row of m.rows) this.targets.publishRow(row);
    else if (m.t === "flush") void this.targets.flush().then(() => this.send({ t: "flushed", id: m.id }));
    else if (m.t === "answer") {
      this.waiting.get(m.id)?.(m.value);
      this.waiting.delete(m.id);
    }
  }

  ask<T>(q: Question): Promise<T> {
    const id = this.nextId++;
    const ms = q === "flush" ? FLUSH_TIMEOUT_MS : ASK_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the primary process did not answer '${q}' within ${ms} ms`));
      }, ms);
      this.waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value as T);
      });
      this.send({ t: "ask", id, q });
    });
  }
}
