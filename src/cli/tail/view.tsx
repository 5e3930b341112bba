import { useEffect, useReducer, useRef } from "react";
import { Box, Text, useApp, useInput, useStdin, useWindowSize } from "ink";
import type { TraceRecord } from "../../traces/record.ts";
import { clockTime } from "../clock.ts";
import { addToTotals, costLabel, latencyLabel, modelLabel, NO_TOTALS, statusLabel, tokensLabel, totalsLine, type Totals } from "./format.ts";

/** Rows kept in memory: far more than any terminal shows, so a long session stays small. */
export const MAX_ROWS = 1000;

/** Totals line, column titles, and one spare line so a full table never scrolls the terminal. */
const CHROME_LINES = 3;

const FIXED = { time: 8, provider: 9, status: 9, latency: 8, tokens: 13, cost: 11 };
const GAPS = 6;

interface CellProps {
  width: number;
  right?: boolean;
  color?: string;
  dim?: boolean;
  children: string;
}

function Cell({ width, right, color, dim, children }: CellProps) {
  return (
    <Box width={width} flexShrink={0} justifyContent={right ? "flex-end" : "flex-start"}>
      <Text color={color} dimColor={dim} wrap="truncate-end">
        {children}
      </Text>
    </Box>
  );
}

interface RowProps {
  cells: string[];
  columns: number;
  modelWidth: number;
  statusColor?: string;
  dim?: boolean;
}

function Row({ cells, columns, modelWidth, statusColor, dim }: RowProps) {
  const [time, model, provider, status, latency, tokens, cost] = cells;
  // Clipped, never wrapped: a wrapped row would break the one-line-per-trace height budget.
  return (
    <Box columnGap={1} width={columns} overflowX="hidden" flexShrink={0}>
      <Cell width={FIXED.time} dim={dim}>
        {time}
      </Cell>
      <Cell width={modelWidth} dim={dim}>
        {model}
      </Cell>
      <Cell width={FIXED.provider} dim={dim}>
        {provider}
      </Cell>
      <Cell width={FIXED.status} color={statusColor} dim={dim}>
        {status}
      </Cell>
      <Cell width={FIXED.latency} right dim={dim}>
        {latency}
      </Cell>
      <Cell width={FIXED.tokens} right dim={dim}>
        {tokens}
      </Cell>
      <Cell width={FIXED.cost} right dim={dim}>
        {cost}
      </Cell>
    </Box>
  );
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
  const fixed = Object.values(FIXED).reduce((a, b) => a + b, 0) + GAPS;
  const modelWidth = Math.max(10, columns - fixed);
  const visible = rows.slice(-Math.max(1, height - CHROME_LINES - (error ? 1 : 0)));
  return (
    <Box flexDirection="column">
      <Box columnGap={2} width={columns} overflowX="hidden">
        <Box flexShrink={0}>
          <Text bold>{totalsLine(totals)}</Text>
        </Box>
        {following ? (
          <Box flexShrink={0}>
            <Text dimColor>following · q to quit</Text>
          </Box>
        ) : null}
      </Box>
      <Row dim columns={columns} modelWidth={modelWidth} cells={["time", "model", "provider", "status", "latency", "tokens in/out", "cost"]} />
      {rows.length === 0 ? <Text dimColor>no traces yet</Text> : null}
      {visible.map((r) => (
        <Row
          key={r.id}
          columns={columns}
          modelWidth={modelWidth}
          statusColor={r.status === "ok" ? "green" : "red"}
          cells={[clockTime(r.ts_start), modelLabel(r), r.provider ?? "—", statusLabel(r), latencyLabel(r), tokensLabel(r), costLabel(r.cost_usd)]}
        />
      ))}
      {error ? <Text color="red">{error}</Text> : null}
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
