import { Chalk } from "chalk";
import { costLabel, countLabel } from "../tail/format.ts";
import type { Rate, ReplayReport, Side } from "./report.ts";

/** `340 ms` under a second, `1.2 s` beyond; "—" when nothing was measured. */
function msLabel(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function rateLabel(r: Rate): string {
  return r.of === 0 ? "—" : `${r.agree}/${r.of}  ${Math.round((r.agree / r.of) * 100)}%`;
}

/** The savings sentence, also used as the summary's last word on cost. */
export function savingsLine(report: ReplayReport): string {
  const s = report.savings;
  if (!s) {
    if (report.original.cost_per_1k_usd === null) return `cost comparison unknown: ${report.original.model} has no known price`;
    if (report.replay.cost_per_1k_usd === null) return `cost comparison unknown: ${report.replay.model} has no known price`;
    return "cost comparison unknown: no call was priced on both sides";
  }
  const pct = s.percent === null ? "" : ` (${Math.abs(s.percent).toFixed(0)}%)`;
  const answered = report.replay.calls - report.replay.errors;
  const over = s.pairs < answered ? `, over the ${s.pairs} call(s) priced on both sides` : "";
  if (Math.abs(s.per_1k_usd) < 1e-12) return `switching would cost the same per 1,000 calls${over}`;
  return s.per_1k_usd > 0
    ? `switching would save ${costLabel(s.per_1k_usd)} per 1,000 calls${pct}${over}`
    : `switching would cost ${costLabel(-s.per_1k_usd)} more per 1,000 calls${pct}${over}`;
}

/** The side-by-side table and the agreement rates, for a terminal or a plain pipe. */
export function renderReport(report: ReplayReport, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const row = (label: string, f: (s: Side) => string) => [label, f(report.original), f(report.replay)];
  // No priced call: the sum is unknown, not $0.
  const priced = (s: Side) => `${costLabel(s.cost_per_1k_usd === null ? null : s.cost_usd)}${s.unpriced ? ` (+${s.unpriced} unpriced)` : ""}`;
  const rows = [
    ["", "original", "replay"],
    row("model", (s) => s.model),
    row("calls", (s) => String(s.calls)),
    row("errors", (s) => String(s.errors)),
    row("tokens in/out", (s) => `${countLabel(s.input_tokens)}/${countLabel(s.output_tokens)}`),
    row("cost", priced),
    row("per 1,000 calls", (s) => costLabel(s.cost_per_1k_usd)),
    row("latency p50", (s) => msLabel(s.p50_ms)),
    row("latency p95", (s) => msLabel(s.p95_ms)),
  ];
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  const lines = rows.map((r, i) => {
    const line = `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`.trimEnd();
    return i === 0 ? c.bold(line) : line;
  });
  const a = report.agreement;
  const answered = report.replay.calls - report.replay.errors;
  // Both sides are measured on the same calls: say so when that is not all of them.
  if (report.replay.errors) lines.push(`tokens, cost and latency: over the ${answered} call(s) the replay answered`);
  lines.push("", c.bold(`agreement over ${answered} answered`));
  const rates: [string, Rate][] = [
    ["answers", a.answers],
    ["exact text", a.text],
    ["JSON value", a.json],
    ["tool calls", a.tool_calls],
  ];
  const wr = Math.max(...rates.map((r) => r[0].length));
  for (const [label, r] of rates) lines.push(`${label.padEnd(wr)}  ${rateLabel(r)}`);
  const saving = savingsLine(report);
  lines.push("", report.savings && report.savings.per_1k_usd > 0 ? c.green(saving) : saving);
  return `${lines.join("\n")}\n`;
}
