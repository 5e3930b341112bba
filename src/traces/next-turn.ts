/**
 * Resolves on a later turn of the event loop, after pending I/O: background work that would
 * otherwise run for tens of milliseconds at once (encoding 10,000 trace rows) awaits this between
 * slices, so requests arriving meanwhile are served in between instead of waiting it out.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Items per slice of background work: ~1 ms of encoding or redaction on this machine. */
const SLICE = 200;

/** `fn` over every item in order, with a turn of the event loop after each slice of them. */
export async function eachInSlices<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % SLICE === 0) await nextTurn();
    fn(items[i]!);
  }
}
