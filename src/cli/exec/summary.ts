import { z } from "zod";
import { RUN_TAG } from "../../server/run-prefix.ts";
import { costLabel } from "../tail/format.ts";
import { EngineApiError, engineApi, flushEngineTraces } from "../engine-client.ts";

/** The fields of /api/traces rows the summary reads; the rest of each row is ignored. */
const Row = z.object({
  id: z.string(),
  requested_model: z.string(),
  selected_model: z.string().nullable(),
  status: z.enum(["ok", "error"]),
  input_tokens: z.number().nullable(),
  output_tokens: z.number().nullable(),
  cost_usd: z.number().nullable(),
  latency_ms: z.number(),
  tags: z.record(z.string(), z.string()),
});
type Row = z.infer<typeof Row>;
const Page = z.object({ data: z.array(Row), next_cursor: z.string().nullable() });

export interface RunSummary {
  run_id: string;
  calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  /** The calls with a known price; `unpriced` successful calls are not in it. */
  cost_usd: number;
  unpriced: number;
  slowest: { model: string; latency_ms: number; trace_id: string } | null;
  /** The engine's Traces page filtered to the run: for an engine exec started, where `opentracy serve` will show it. */
  url: string;
  /** `running`: the calls went to an engine that was already up; `started`: to one exec ran for the command. */
  engine: "running" | "started";
  /** The command's exit code, as exec passes it on. */
  exit_code: number;
}

/** Why the run's traces could not be read: the summary then says so instead of counting zero. */
export class RunUnreadable extends Error {}

/**
 * Every trace of the run, from the engine's JSON API: first POST /api/traces/flush, which answers
 * once every trace queued so far is written (a call's trace is queued before the last byte of its
 * answer, so by the time the command has exited all of its calls are), then the pages of
 * /api/traces?tag=run=<id>. With `token` as the bearer when the engine has tokens.
 */
export async function readRun(engineUrl: string, runId: string, token: string | undefined): Promise<Row[]> {
  try {
    if ((await flushEngineTraces(engineUrl, token)).failing)
      throw new RunUnreadable("the engine could not write the run's traces yet (its trace store is failing)");
    const rows: Row[] = [];
    let cursor: string | null = null;
    do {
      const q: URLSearchParams = new URLSearchParams({ tag: `${RUN_TAG}=${runId}`, limit: "500", ...(cursor ? { cursor } : {}) });
      const page = Page.safeParse(await engineApi(engineUrl, `/api/traces?${q}`, token));
      if (!page.success) throw new RunUnreadable("/api/traces answered in a shape this version does not know");
      rows.push(...page.data.data);
      cursor = page.data.next_cursor;
    } while (cursor);
    return rows;
  } catch (e) {
    throw e instanceof EngineApiError ? new RunUnreadable(e.message) : e;
  }
}

export const runUrl = (engineUrl: string, runId: string): string => `${engineUrl}/traces?${new URLSearchParams({ tag: `${RUN_TAG}=${runId}` })}`;

export function summarize(runId: string, rows: Row[], ui: { url: string; started: boolean }, exitCode: number): RunSummary {
  const s: RunSummary = {
    run_id: runId,
    calls: rows.length,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    unpriced: 0,
    slowest: null,
    url: runUrl(ui.url, runId),
    engine: ui.started ? "started" : "running",
    exit_code: exitCode,
  };
  for (const r of rows) {
    if (r.status === "error") s.errors++;
    s.input_tokens += r.input_tokens ?? 0;
    s.output_tokens += r.output_tokens ?? 0;
    s.cost_usd += r.cost_usd ?? 0;
    if (r.status === "ok" && r.cost_usd === null) s.unpriced++;
    if (!s.slowest || r.latency_ms > s.slowest.latency_ms)
      s.slowest = { model: r.selected_model ?? r.requested_model, latency_ms: r.latency_ms, trace_id: r.id };
  }
  return s;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The summary for people: three lines on stderr. */
export function formatSummary(s: RunSummary): string {
  const cost = `${costLabel(s.cost_usd)}${s.unpriced ? ` (+${s.unpriced} unpriced)` : ""}`;
  const lines = [
    `opentracy: run ${s.run_id}: ${plural(s.calls, "call")}, ${plural(s.errors, "error")}, ${s.input_tokens} input + ${s.output_tokens} output tokens, ${cost}`,
  ];
  if (s.slowest) lines.push(`opentracy: slowest: ${s.slowest.model} ${Math.round(s.slowest.latency_ms)} ms (trace ${s.slowest.trace_id})`);
  lines.push(`opentracy: traces: ${s.url}${s.engine === "started" ? " (with `opentracy serve` running)" : ""}`);
  return `${lines.join("\n")}\n`;
}
