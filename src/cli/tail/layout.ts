import type { TraceRecord } from "../../traces/record.ts";
import { clockTime } from "../clock.ts";
import { cellWidth, fit, truncate } from "./fit.ts";
import { costLabel, errorText, latencyLabel, modelLabel, statusLabel, tokensLabel } from "./format.ts";

/**
 * Which columns the live table shows at a given terminal width, and how wide each is. Widths
 * follow the data, so the model gets the room its name needs; when the terminal is too narrow
 * the least useful columns go first. Every line it lays out fits the width exactly or is shorter.
 */

export type ColumnKey = "time" | "model" | "provider" | "status" | "latency" | "tokens" | "cost";

interface ColumnSpec {
  key: ColumnKey;
  title: string;
  right?: boolean;
  cell: (r: TraceRecord) => string;
}

const SPECS: ColumnSpec[] = [
  { key: "time", title: "time", cell: (r) => clockTime(r.ts_start) },
  { key: "model", title: "model", cell: modelLabel },
  { key: "provider", title: "provider", cell: (r) => r.provider ?? "—" },
  { key: "status", title: "status", cell: statusLabel },
  { key: "latency", title: "latency", right: true, cell: latencyLabel },
  { key: "tokens", title: "tokens in/out", right: true, cell: tokensLabel },
  { key: "cost", title: "cost", right: true, cell: (r) => costLabel(r.cost_usd) },
];

/**
 * First dropped first. The provider is already the model's prefix; tokens matter less than what
 * they cost; the time is the row's order anyway. Model and status always stay.
 */
const DROP_ORDER: ColumnKey[] = ["provider", "tokens", "time", "latency", "cost"];

const GAP = 2;
/** A longer model name is cut rather than pushing every other column off a normal terminal. */
const MODEL_MAX = 48;
/** An error message starts no further right than this from the end of the line, so some of it always shows. */
const MESSAGE_MIN = 20;

export interface Column {
  key: ColumnKey;
  title: string;
  right: boolean;
  width: number;
  cell: (r: TraceRecord) => string;
}

export interface Layout {
  width: number;
  columns: Column[];
}

const span = (cols: Column[]) => cols.reduce((sum, c) => sum + c.width, 0) + GAP * Math.max(0, cols.length - 1);

/** Lays out `rows` (every row the view holds, so widths do not jump as rows scroll) for `width` cells. */
export function layoutFor(rows: TraceRecord[], width: number): Layout {
  let columns: Column[] = SPECS.map((s) => {
    const widest = rows.reduce((w, r) => Math.max(w, cellWidth(s.cell(r))), cellWidth(s.title));
    return { key: s.key, title: s.title, right: s.right ?? false, cell: s.cell, width: s.key === "model" ? Math.min(widest, MODEL_MAX) : widest };
  });
  for (const key of DROP_ORDER) {
    if (span(columns) <= width) break;
    columns = columns.filter((c) => c.key !== key);
  }
  // Still too wide: the terminal is narrower than model and status at their widest; the model yields.
  const model = columns.find((c) => c.key === "model")!;
  const over = span(columns) - width;
  if (over > 0) model.width = Math.max(1, model.width - over);
  return { width, columns };
}

/** A piece of a line, with the meaning the view turns into a colour. */
export interface Segment {
  text: string;
  tone?: "ok" | "error" | "dim";
}

export function headerSegments(l: Layout): Segment[] {
  return [{ text: clip(l.columns.map((c) => fit(c.title, c.width, c.right)).join(" ".repeat(GAP)), l.width), tone: "dim" }];
}

/** One trace on one line. An error row gives the columns after its status and latency to the error message. */
export function rowSegments(r: TraceRecord, l: Layout): Segment[] {
  const message = errorText(r);
  const out: Segment[] = [];
  let used = 0;
  for (const c of l.columns) {
    if (message && c.key !== "time" && c.key !== "model" && c.key !== "provider" && c.key !== "status" && c.key !== "latency") break;
    const text = fit(c.cell(r), c.width, c.right);
    const gap = out.length ? " ".repeat(GAP) : "";
    if (gap) out.push({ text: gap });
    if (c.key === "status") {
      // Only the word is coloured; its padding stays plain.
      const word = text.trimEnd();
      out.push({ text: word, tone: r.status === "ok" ? "ok" : "error" }, { text: " ".repeat(text.length - word.length) });
    } else out.push({ text });
    used += gap.length + c.width;
  }
  if (message) {
    // On a narrow terminal the message takes the latency's place rather than not showing at all.
    let room = l.width - used - GAP;
    if (room < MESSAGE_MIN && out.length > 0 && l.columns.some((c) => c.key === "latency")) {
      const latency = l.columns.find((c) => c.key === "latency")!;
      out.splice(-2, 2); // its gap and its cell
      used -= GAP + latency.width;
      room = l.width - used - GAP;
    }
    if (room > 0) out.push({ text: " ".repeat(GAP) }, { text: truncate(message, room), tone: "error" });
  }
  return clipSegments(out, l.width);
}

function clip(s: string, width: number): string {
  return truncate(s.trimEnd(), width);
}

/** Trailing padding trimmed and anything past the width cut, whatever the columns added up to. */
function clipSegments(segments: Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let used = 0;
  for (const s of segments) {
    if (used >= width) break;
    const text = truncate(s.text, width - used);
    out.push({ ...s, text });
    used += cellWidth(text);
  }
  while (out.length && out.at(-1)!.text.trim() === "") out.pop();
  if (out.length) out[out.length - 1] = { ...out.at(-1)!, text: out.at(-1)!.text.trimEnd() };
  return out;
}
