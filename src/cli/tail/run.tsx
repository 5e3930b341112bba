import { render } from "ink";
import { followRecords, lastRecords, type ReadStats, type TraceFilter } from "../../traces/reader.ts";
import { LiveTail } from "./view.tsx";

export interface LiveTailOptions {
  dir: string;
  lines: number;
  filter: TraceFilter;
  follow: boolean;
  stats: ReadStats;
}

/** Shows the live table on the terminal until the user quits (or at once, when not following). */
export async function runLiveTail({ dir, lines, filter, follow, stats }: LiveTailOptions): Promise<void> {
  const { records, end } = await lastRecords(dir, lines, filter, stats);
  const stop = new AbortController();
  // Continue exactly where the history ended, so no trace is shown twice or missed in between.
  const feed = follow ? followRecords(dir, { from: end, filter, signal: stop.signal, stats }) : null;
  const app = render(<LiveTail initial={records} feed={feed} />, { exitOnCtrlC: true });
  try {
    await app.waitUntilExit();
  } finally {
    // Ends the follower's wait at once instead of at its next poll.
    stop.abort();
  }
}
