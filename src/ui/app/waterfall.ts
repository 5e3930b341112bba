// Where each routing attempt sits on the request's time axis. Kept apart from the component so
// the arithmetic is tested without a DOM.

export interface AttemptTiming {
  latency_ms: number;
  /** From the request's start; null (or absent) in traces written before engines recorded it. */
  start_ms?: number | null;
}

export interface Lane {
  startMs: number;
  latencyMs: number;
  /** Idle time between the previous attempt's end and this one's start: a retry's backoff, mostly. */
  waitMs: number;
}

export interface Waterfall {
  lanes: Lane[];
  /** The axis runs from the request's start to here: its whole latency, or the last attempt's end. */
  axisMs: number;
  /** False when some start was not recorded: those attempts are drawn back to back, with no waits. */
  measured: boolean;
}

export function waterfall(attempts: readonly AttemptTiming[], requestMs: number): Waterfall {
  let end = 0;
  let measured = true;
  const lanes = attempts.map((a, i) => {
    const known = a.start_ms !== null && a.start_ms !== undefined;
    if (!known) measured = false;
    const startMs = known ? a.start_ms! : end;
    // The time before the first attempt is the engine reading and planning, not a wait.
    const waitMs = i === 0 ? 0 : Math.max(0, startMs - end);
    end = Math.max(end, startMs + a.latency_ms);
    return { startMs, latencyMs: a.latency_ms, waitMs };
  });
  return { lanes, axisMs: Math.max(requestMs, end, 1), measured };
}
