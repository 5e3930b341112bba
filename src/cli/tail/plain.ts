import type { TraceRecord } from "../../traces/record.ts";
import { localDateTime } from "../clock.ts";
import { costLabel, errorText, latencyLabel, modelLabel, statusLabel, tokensLabel } from "./format.ts";

/**
 * The text table for piped or redirected output: one line per trace, no colour, no cursor
 * movement. Rows stream out as traces arrive, so widths are fixed instead of fitted to the data;
 * a long value pushes its line wider rather than being cut. An error row ends with its message.
 */

const COLUMNS: { title: string; width: number; right?: boolean; cell: (r: TraceRecord) => string }[] = [
  { title: "time", width: 19, cell: (r) => localDateTime(r.ts_start) },
  { title: "model", width: 36, cell: modelLabel },
  { title: "provider", width: 10, cell: (r) => r.provider ?? "—" },
  { title: "status", width: 9, cell: statusLabel },
  { title: "latency", width: 9, right: true, cell: latencyLabel },
  { title: "tokens in/out", width: 13, right: true, cell: tokensLabel },
  { title: "cost", width: 12, right: true, cell: (r) => costLabel(r.cost_usd) },
];

function line(cells: string[]): string {
  return cells
    .map((c, i) => (i >= COLUMNS.length ? c : COLUMNS[i].right ? c.padStart(COLUMNS[i].width) : c.padEnd(COLUMNS[i].width)))
    .join("  ")
    .trimEnd();
}

export function plainHeader(): string {
  return line(COLUMNS.map((c) => c.title));
}

export function plainRow(r: TraceRecord): string {
  const message = errorText(r);
  return line([...COLUMNS.map((c) => c.cell(r)), ...(message ? [message] : [])]);
}
