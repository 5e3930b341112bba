// What a test holds of a running fake upstream. Every fake hands out the same controls, so a test
// written against one provider's fake reads the same against another's.

import type { StreamGate } from "./gate.ts";
import type { LocalServer } from "./local-server.ts";
import type { ReceivedRequest, RequestLog } from "./request-log.ts";
import type { ScriptQueue } from "./script-queue.ts";

/** What any scripted behaviour, answer or error, may also say. */
export interface ScriptedCommon {
  gate?: StreamGate;
  /** how many requests this behaviour answers (default 1; Infinity for all that follow) */
  times?: number;
}

export interface FakeControls<R extends ReceivedRequest, S extends ScriptedCommon> {
  /** every request received, valid or not, in arrival order */
  requests: R[];
  /** queue a behaviour for the next valid request(s), FIFO; with nothing queued the fake answers on its own */
  script(next: S): void;
  /** the next request the client abandoned mid-response (each abort is handed out once) */
  aborted(): Promise<R>;
  close(): Promise<void>;
}

export function controls<R extends ReceivedRequest, S extends ScriptedCommon>(
  server: LocalServer,
  log: RequestLog<R>,
  scripts: ScriptQueue<S>,
): FakeControls<R, S> {
  return {
    requests: log.requests,
    script: (next) => scripts.push(next),
    aborted: () => log.aborted(),
    close: server.close,
  };
}
