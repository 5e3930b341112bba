import type { TraceWriter } from "../../traces/writer.ts";
import type { Call, TraceError } from "../call.ts";
import type { RequestLog } from "../request-log.ts";

/** Ends a request: called by whichever step answered it (an error, the answer, the stream's end or cancel). */
export type Finish = (httpStatus: number, error: TraceError | null) => void;

/**
 * The last step of every request. The trace is handed to the writer once (a stream's cleanup after
 * an error may call again; later calls do nothing), its line is queued for the terminal (when the
 * engine logs requests), then `release` gives back what the request held
 * (its admission slot, its connection's idle limit). With traces off no record is built at all.
 */
export function finishOnce(call: Call, writer: Pick<TraceWriter, "enqueue" | "discards">, release: () => void, log: RequestLog | null = null): Finish {
  let done = false;
  return (httpStatus, error) => {
    if (done) return;
    done = true;
    if (!writer.discards) writer.enqueue(call.toRecord(httpStatus, error));
    log?.add(call, httpStatus, error);
    release();
  };
}
