import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { z } from "zod";
import { flushEngineTraces, probeEngine, resolveEngineUrl } from "../engine-client.ts";
import { CliError } from "../output.ts";
import { progressBar } from "./progress.ts";
import { buildReport } from "./report.ts";
import { renderReport } from "./render.ts";
import { replayedIn, type Selection, selectTraces } from "./select.ts";
import { RUN_TAG } from "../../server/run-prefix.ts";
import { sendAll } from "./send.ts";
import { openTraceStore } from "./store.ts";
import { parseInstant } from "../../traces/export/select.ts";
import { isRunId } from "../../server/run-prefix.ts";

/** `7d`, `24h`, `30m`, `2w` back from now, or a date or ISO time (as `traces export` reads them). */
function instant(flag: string) {
  return z.string().transform((v, ctx) => {
    const ms = parseInstant(v, Date.now());
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: `${flag} wants 7d, 24h, 30m or a date (2026-12-01, an ISO time), not '${v}'` });
      return z.NEVER;
    }
    return ms;
  });
}

const count = (flag: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} wants a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `${flag} must be at least ${min}`);

const ReplayOptions = z.object({
  to: z.string().min(1, "--to wants a model or an alias"),
  since: instant("--since").optional(),
  until: instant("--until").optional(),
  model: z.string().min(1).optional(),
  alias: z.string().min(1).optional(),
  provider: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  tag: z
    .string()
    .regex(/^[^=]+=.*$/, "--tag wants key=value")
    .transform((t) => ({ key: t.slice(0, t.indexOf("=")), value: t.slice(t.indexOf("=") + 1) }))
    .optional(),
  sample: count("--sample", 1).optional(),
  seed: z.string().min(1).optional(),
  limit: count("--limit", 1).optional(),
  concurrency: count("--concurrency", 1).refine((n) => n <= 64, "--concurrency must be at most 64"),
  // The same ids as `exec` and the /run/<id>/ prefix (safe in X-OpenTracy-Tags, where `,` and `=` are separators).
  run: z.string().refine(isRunId, "--run wants 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit").optional(),
  url: z.url({ protocol: /^https?$/, error: "--url wants the engine's http(s) address" }).optional(),
  json: z.boolean().default(false),
});
type ReplayOptions = z.infer<typeof ReplayOptions>;

function parseOptions(raw: Record<string, unknown>): ReplayOptions {
  const parsed = ReplayOptions.safeParse(raw);
  if (!parsed.success) throw new CliError(parsed.error.issues[0]!.message);
  const o = parsed.data;
  if (o.since !== undefined && o.until !== undefined && o.until <= o.since) throw new CliError("--until must be after --since");
  return o;
}

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("send recorded requests to another model or alias through the running engine and compare cost, latency and answers")
    .requiredOption("--to <model>", "the model (provider/model) or alias to replay to")
    .option("--since <when>", "only traces started at or after this: 7d, 24h, 30m, or a date / ISO time")
    .option("--until <when>", "only traces started before this (same forms)")
    .option("--model <model>", "only traces whose requested or selected model is <model>")
    .option("--alias <alias>", "only traces routed through this alias")
    .option("--provider <provider>", "only traces answered by this provider")
    .option("--user <user>", "only traces of this end user")
    .option("--session <id>", "only traces of this session")
    .option("--tag <key=value>", "only traces carrying this tag")
    .option("--limit <n>", "consider only the newest <n> matching traces")
    .option("--sample <n>", "replay <n> traces drawn at random from those matching")
    .option("--seed <seed>", "the sample's seed (default: the run id, so a named run draws the same sample again)")
    .option("--concurrency <n>", "calls in flight at once", "4")
    .option("--run <name>", "the run id (default replay-<8 hex>); a run that exists resumes: traces it already replayed are skipped")
    .option("--url <url>", "the engine to send to (env OPENTRACY_URL); default: the configured address")
    .option("--json", "the report as one JSON object")
    .action(async (raw: Record<string, unknown>) => {
      process.exitCode = await replay(parseOptions(raw));
    });
}

async function select(o: ReplayOptions, run: string, seed: string): Promise<Selection> {
  const store = await openTraceStore();
  try {
    const done = o.run ? await replayedIn(store.queries, run) : new Set<string>();
    const filters = { sinceMs: o.since, untilMs: o.until, model: o.model, alias: o.alias, provider: o.provider, user: o.user, session: o.session, tag: o.tag };
    return await selectTraces(store.queries, { filters, limit: o.limit, sample: o.sample, seed, done });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(store.describe(e));
  } finally {
    await store.close();
  }
}

/** Why nothing can be sent, said once; null when the selection was simply already replayed. */
function refusal(s: Selection, run: string): string | null {
  if (s.considered === 0) return "no successful traces match: widen --since or the filters";
  if (s.withoutContent + s.notChat === 0) return null;
  const why: string[] = [];
  if (s.withoutContent)
    why.push(`${s.withoutContent} stored without prompt and answer (traced with OPENTRACY_TRACE_CONTENT=false, or past traces.content_retention_days)`);
  if (s.notChat)
    why.push(`${s.notChat} without the request's parameters (embeddings, a request kept in its own API's shape, or traced before traces kept request_params)`);
  const done = s.alreadyReplayed ? `; ${s.alreadyReplayed} already replayed in run ${run}` : "";
  return `${s.considered} trace(s) matched but none can be replayed: ${why.join("; ")}${done}`;
}

async function replay(o: ReplayOptions): Promise<number> {
  const run = o.run ?? `replay-${randomBytes(4).toString("hex")}`;
  const seed = o.seed ?? run;
  const selection = await select(o, run, seed);
  const traces = selection.traces;
  if (traces.length === 0) {
    const why = refusal(selection, run);
    if (why) throw new CliError(why);
    process.stderr.write(`nothing to do: the ${selection.alreadyReplayed} selected trace(s) were already replayed in run ${run}\n`);
    return 0;
  }

  const { url } = resolveEngineUrl(o.url);
  if (!(await probeEngine(url, 3000))) throw new CliError(`no engine answers at ${url}: start one with 'opentracy serve', or give --url (OPENTRACY_URL)`);
  const token = process.env.OPENTRACY_TOKEN || undefined;

  const skipped = [
    selection.alreadyReplayed && `${selection.alreadyReplayed} already replayed in this run`,
    selection.withoutContent && `${selection.withoutContent} without content`,
    selection.notChat && `${selection.notChat} without request parameters`,
  ].filter(Boolean);
  const resume = o.run ? "" : `; if interrupted, the same command with --run ${run} resumes it`;
  process.stderr.write(
    `replaying ${traces.length} trace(s) to ${o.to} as run ${run}, ${o.concurrency} at a time${skipped.length ? ` (skipped ${skipped.join(", ")})` : ""}${resume}\n`,
  );
  const progress = progressBar(traces.length);
  let outcomes: Awaited<ReturnType<typeof sendAll>>;
  try {
    outcomes = await sendAll(traces, {
      url,
      token,
      to: o.to,
      run,
      concurrency: o.concurrency,
      onOutcome: (r) => progress.tick(r.ok),
    });
  } finally {
    progress.done();
  }
  // So the run is whole in the store once the command ends: for the links below and a resume right
  // after. Best effort: an engine without the endpoint writes them within its flush interval anyway.
  if ((await flushEngineTraces(url, token).catch(() => null))?.failing)
    process.stderr.write("warning: the engine's trace store is failing: this run's traces are not all stored yet (a resume may send some again)\n");
  const report = buildReport(traces, outcomes, o.to);
  const tag = encodeURIComponent(`${RUN_TAG}=${run}`);
  const links = { traces: `${url}/traces?tag=${tag}`, activity: `${url}/activity?window=24h&by=tag&tag_key=${RUN_TAG}` };
  if (o.json) {
    const { pairs, ...summary } = report;
    const selected = {
      considered: selection.considered,
      replayed: traces.length,
      already_replayed: selection.alreadyReplayed,
      without_content: selection.withoutContent,
      not_chat: selection.notChat,
    };
    process.stdout.write(`${JSON.stringify({ run, to: o.to, seed, selection: selected, ...summary, links, pairs })}\n`);
  } else {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write(`run ${run}: ${traces.length} trace(s) replayed to ${o.to}\n\n${renderReport(report, color)}`);
    const failures = report.pairs.filter((p) => !p.ok);
    if (failures.length) {
      const first = failures[0]!;
      process.stdout.write(`${failures.length} replay(s) failed; the first (trace ${first.trace_id}): ${first.error}\n`);
    }
    process.stdout.write(`\ntraces of the run: ${links.traces}\nruns side by side: ${links.activity}\n`);
  }
  // Some failures are part of a comparison; none succeeding means the comparison did not happen.
  return report.replay.errors === report.replay.calls ? 1 : 0;
}
