import type { TraceWriter } from "../../traces/writer.ts";

/**
 * POST /api/traces/flush: answers once every trace queued before the call is written (or the
 * write failed), so a client that has seen its calls end can then read all of them from
 * /api/traces: `opentracy exec` does, for its summary. A call's trace is queued before the last
 * byte of its answer is sent. `queued` is what still waits (non-zero while the store is failing).
 */
export async function flushTraces(writer: Pick<TraceWriter, "flush" | "queued">): Promise<{ queued: number }> {
  await writer.flush();
  return { queued: writer.queued };
}
