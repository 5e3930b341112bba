import { useEffect, useReducer, useRef } from "react";
import { Box, Text, useApp, useInput, useStdin, useWindowSize } from "ink";
import type { TraceRecord } from "../../traces/record.ts";
import { cellWidth, truncate } from "./fit.ts";
import { addToTotals, NO_TOTALS, totalsLines, type Totals } from "./format.ts";
import { headerSegments, layoutFor, rowSegments, type Segment } from "./layout.ts";

/** Rows kept in memory: far more than any terminal shows, so a long session stays small. */
export const MAX_ROWS = 1000;

/** Totals line, column titles, and one spare line so a full table never scrolls the terminal. */
const CHROME_LINES = 3;

const TONES: Record<NonNullable<Segment["tone"]>, { color?: string; dimColor?: boolean }> = {
  ok: { color: "green" },
  error: { color: "red" },
  dim: { dimColor: true },
};

/** One laid-out line. The segments already fit the width; truncating is a second guard, never wrapping. */
function Line({ segments, bold }: { segments: Segment[]; bold?: boolean }) {
  return (
    <Text wrap="truncate-end" bold={bold}>
      {segments.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a line's segments never reorder
        <Text key={i} {...(s.tone ? TONES[s.tone] : {})}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

const HINTS = { long: "following · q to quit", short: "q to quit" };

/** The totals and, when following, how to quit: the longest wording that fits the width. */
function statusSegments(totals: Totals, following: boolean, width: number): Segment[] {
  const [long, short] = totalsLines(totals);
  const tries: [string, string][] = following
    ? [
        [long, HINTS.long],
        [long, HINTS.short],
        [short, HINTS.short],
        [short, ""],
      ]
    : [
        [long, ""],
        [short, ""],
      ];
  const [text, hint] = tries.find(([t, h]) => cellWidth(t) + (h ? 2 + cellWidth(h) : 0) <= width) ?? [truncate(short, width), ""];
  return hint ? [{ text }, { text: "  " }, { text: hint, tone: "dim" }] : [{ text }];
}

export interface TailViewProps {
  /** Oldest first; only the newest that fit are drawn, newest at the bottom. */
  rows: TraceRecord[];
  totals: Totals;
  following: boolean;
  /** Terminal size; the live view passes the real one, tests a fixed one. */
  columns: number;
  height: number;
  error?: string | null;
}

/** The table itself: pure, so it can be rendered and checked without a terminal. */
export function TailView({ rows, totals, following, columns, height, error }: TailViewProps) {
  const layout = layoutFor(rows, columns);
  const visible = rows.slice(-Math.max(1, height - CHROME_LINES - (error ? 1 : 0)));
  return (
    // As wide as the terminal the view was told about, which is the real one outside tests.
    <Box flexDirection="column" width={columns} flexShrink={0}>
      <Line bold segments={statusSegments(totals, following, columns)} />
      <Line segments={headerSegments(layout)} />
      {rows.length === 0 ? <Text dimColor>no traces yet</Text> : null}
      {visible.map((r) => (
        <Line key={r.id} segments={rowSegments(r, layout)} />
      ))}
      {error ? <Line segments={[{ text: truncate(error, columns), tone: "error" }]} /> : null}
    </Box>
  );
}

interface TailState {
  rows: TraceRecord[];
  totals: Totals;
  error: string | null;
}

type TailAction = { type: "add"; record: TraceRecord } | { type: "error"; message: string };

function reduce(state: TailState, action: TailAction): TailState {
  if (action.type === "error") return { ...state, error: action.message };
  const rows = state.rows.length >= MAX_ROWS ? state.rows.slice(-(MAX_ROWS - 1)) : state.rows.slice();
  rows.push(action.record);
  return { rows, totals: addToTotals(state.totals, action.record), error: state.error };
}

function initialState(records: TraceRecord[]): TailState {
  return {
    rows: records.slice(-MAX_ROWS),
    totals: records.reduce(addToTotals, NO_TOTALS),
    error: null,
  };
}

export interface LiveTailProps {
  /** The history shown first, oldest first. */
  initial: TraceRecord[];
  /** New traces as they arrive; null shows the history once and exits. */
  feed: AsyncIterable<TraceRecord> | null;
  /** Overrides the terminal height (tests). */
  height?: number;
}

/** The live table: owns the rows and totals, reads the feed, quits on q or Ctrl-C. */
export function LiveTail({ initial, feed, height }: LiveTailProps) {
  const [state, dispatch] = useReducer(reduce, initial, initialState);
  const { exit } = useApp();
  // The feed must be read by exactly one loop, so the effect below depends on the feed alone.
  const exitRef = useRef(exit);
  exitRef.current = exit;
  const { isRawModeSupported } = useStdin();
  const size = useWindowSize();

  // Without a raw-mode stdin (e.g. input piped in) keys cannot be read; Ctrl-C still ends the process.
  useInput(
    (input, key) => {
      if (input === "q" || (key.ctrl && input === "c")) exit();
    },
    { isActive: isRawModeSupported },
  );

  useEffect(() => {
    if (!feed) {
      exitRef.current();
      return;
    }
    let active = true;
    (async () => {
      try {
        for await (const record of feed) {
          if (!active) break;
          dispatch({ type: "add", record });
        }
      } catch (e) {
        if (active) dispatch({ type: "error", message: `error: ${e instanceof Error ? e.message : String(e)}` });
      }
    })();
    return () => {
      active = false;
    };
  }, [feed]);

  return <TailView rows={state.rows} totals={state.totals} following={feed !== null} columns={size.columns} height={height ?? size.rows} error={state.error} />;
}
