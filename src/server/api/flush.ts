import type { Engine } from "../engine.ts";

/**
 * POST /api/traces/flush: answers once every trace queued before the call is written (or the
 * write failed), so a client that has seen its calls end can then read all of them from
 * /api/traces: `opentracy exec` does, for its summary. A call's trace is queued before the last
 * byte of its answer is sent. `queued` is what still waits (non-zero while the store is failing).
 */
export async function flushTraces({ writer, worker }: Pick<Engine, "writer" | "worker">): Promise<{ queued: number }> {
  await writer.settle();
  // In a worker, what it flushed went to the primary, which asks the other workers for theirs and writes them all.
  if (worker) return worker.link.ask<{ queued: number }>("flush");
  return { queued: writer.queued };
}
