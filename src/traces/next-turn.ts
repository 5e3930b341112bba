/**
 * Resolves on a later turn of the event loop, after pending I/O: background work that would
 * otherwise run for tens of milliseconds at once (encoding 10,000 trace rows) awaits this between
 * slices, so requests arriving meanwhile are served in between instead of waiting it out.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows per slice of background work: ~1 ms of encoding or redaction on this machine. */
export const SLICE = 200;
