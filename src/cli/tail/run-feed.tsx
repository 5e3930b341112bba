import { render } from "ink";
import type { TraceRecord } from "../../traces/record.ts";
import { LiveTail } from "./view.tsx";

/**
 * The live table over any trace source (ClickHouse here; the local store has run.tsx): the
 * history to start with, and a feed of new traces that stops when `stop` aborts.
 */
export async function runFeedTail(initial: TraceRecord[], feed: ((signal: AbortSignal) => AsyncIterable<TraceRecord>) | null): Promise<void> {
  const stop = new AbortController();
  const app = render(<LiveTail initial={initial} feed={feed ? feed(stop.signal) : null} />, { exitOnCtrlC: true });
  try {
    await app.waitUntilExit();
  } finally {
    stop.abort();
  }
}
