import { useEffect, useState } from "react";
import type { TraceRow } from "./types.ts";

// The live view's client: GET /api/traces/live read with fetch (the session cookie goes along), so
// a dropped stream is noticed and retried on the page's own schedule.

const RETRY_MS = 2000;
/** Rows kept in memory: a tab left open on a busy engine must not grow without end. */
const KEEP = 500;

/** Calls `onRow` per `data:` event until `signal` aborts; reconnects after a dropped stream. */
async function follow(onRow: (row: TraceRow) => void, onOpen: (open: boolean) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch("/api/traces/live", { signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onOpen(true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        // Events end with a blank line; comment lines (": ping") keep proxies open and carry nothing.
        for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
          const event = text.slice(0, end);
          text = text.slice(end + 2);
          if (event.startsWith("data: ")) onRow(JSON.parse(event.slice(6)) as TraceRow);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    onOpen(false);
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

export interface LiveRows {
  rows: TraceRow[];
  open: boolean;
}

/** Rows that finished since `key` last changed (a filter change starts over), newest first; none when off. */
export function useLiveRows(on: boolean, key: string): LiveRows {
  const [state, setState] = useState<LiveRows>({ rows: [], open: false });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the reset trigger
  useEffect(() => {
    setState({ rows: [], open: false });
    if (!on) return;
    const ctl = new AbortController();
    void follow(
      (row) => setState((s) => ({ ...s, rows: [row, ...s.rows].slice(0, KEEP) })),
      (open) => setState((s) => ({ ...s, open })),
      ctl.signal,
    );
    return () => ctl.abort();
  }, [on, key]);
  return state;
}
