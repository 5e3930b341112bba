import type { Engine } from "../engine.ts";

/** What POST /api/traces/flush answers. */
export interface FlushAnswer {
  /** What waits now: on a busy engine other clients' traces arrived during the flush, so not 0 as such. */
  queued: number;
  /** Whether the store's writes are failing (retried meanwhile): then what was queued is not stored yet. */
  failing: boolean;
}

/**
 * POST /api/traces/flush: answers once every trace queued before the call is written (or the
 * write failed), so a client that has seen its calls end can then read all of them from
 * /api/traces: `opentracy exec` does, for its summary. A call's trace is queued before the last
 * byte of its answer is sent.
 */
export async function flushTraces({ writer, worker }: Pick<Engine, "writer" | "worker">): Promise<FlushAnswer> {
  await writer.settle();
  // In a worker, what it flushed went to the primary, which asks the other workers for theirs and writes them all.
  if (worker) return worker.link.ask<FlushAnswer>("flush");
  return flushAnswer(writer);
}

export function flushAnswer(writer: Engine["writer"]): FlushAnswer {
  return { queued: writer.queued, failing: writer.status().failing === true };
}
