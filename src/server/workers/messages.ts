import type { TraceSummary } from "../../traces/queries.ts";
import type { TraceRecord } from "../../traces/record.ts";

/**
 * What `serve --workers N` processes say to each other over Bun's IPC channel. Workers serve
 * requests; the primary serves none and holds what must exist once: the trace writer (so every
 * trace is written exactly once, and the ClickHouse spool has one owner), the metrics, the OTLP
 * export. Internal to one engine binary, so plain types rather than schemas.
 */

/** What another worker's finished call adds to a token's spend and tokens per minute (TokenGuard.observe). */
export type SpendPart = Pick<TraceRecord, "token_name" | "cost_usd" | "status" | "ts_start" | "input_tokens" | "output_tokens">;

/** `flush`: write every trace any worker has queued so far (POST /api/traces/flush); answered with `{queued, failing}` (api/flush.ts). */
export type Question = "metrics" | "traces_status" | "flush";

export type ToPrimary =
  /** Listening: the primary prints the address once every worker is. */
  | { t: "ready" }
  /** A batch from the worker's trace writer, as JSON lines, content policy applied. */
  | { t: "traces"; lines: string }
  /** Whether the worker has a live view open (it then gets every other worker's finished traces). */
  | { t: "live"; on: boolean }
  | { t: "ask"; id: number; q: Question }
  /** Answers a `flush`: its batches so far have been sent (they arrive before this). */
  | { t: "flushed"; id: number }
  /** Shutting down: everything it traced has been sent. */
  | { t: "drained" };

export type ToWorker =
  | { t: "spend"; parts: SpendPart[] }
  | { t: "live"; rows: TraceSummary[] }
  | { t: "answer"; id: number; value: unknown }
  /** Send what your writer holds now, then say `flushed` with this id. */
  | { t: "flush"; id: number };

/** Set on a worker's environment: `<index>/<count>`; its port is OPENTRACY_WORKER_PORT. */
export const WORKER_ENV = "OPENTRACY_WORKER";
export const WORKER_PORT_ENV = "OPENTRACY_WORKER_PORT";

export interface WorkerIdentity {
  index: number;
  count: number;
}

export function workerIdentity(env: NodeJS.ProcessEnv): WorkerIdentity | null {
  const m = /^(\d+)\/(\d+)$/.exec(env[WORKER_ENV] ?? "");
  return m ? { index: Number(m[1]), count: Number(m[2]) } : null;
}
