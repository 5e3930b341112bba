import type { LiveFeed } from "../../traces/live-feed.ts";
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
 * The live feed gets the same record; with nobody watching that costs one size check.
 */
export function finishOnce(
  call: Call,
  writer: Pick<TraceWriter, "enqueue" | "discards">,
  release: () => void,
  log: RequestLog | null = null,
  live: Pick<LiveFeed, "publish"> | null = null,
): Finish {
  let done = false;
  return (httpStatus, error) => {
    if (done) return;
    done = true;
    if (!writer.discards) {
      const record = call.toRecord(httpStatus, error);
      writer.enqueue(record);
      live?.publish(record);
    }
    log?.add(call, httpStatus, error);
    release();
  };
}
