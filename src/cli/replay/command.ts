import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { z } from "zod";
import { configuredEngineUrl, flushEngineTraces, probeEngine, resolveEngineUrl } from "../engine-client.ts";
import { CliError, warn } from "../output.ts";
import { progressBar } from "../progress.ts";
import { collectTags, TagOption } from "../tag-option.ts";
import { buildReport, type Compared, compare } from "./report.ts";
import { renderReport } from "./render.ts";
import { candidateIds, replayedIn, Selection, type SelectionCounts } from "./select.ts";
import { RUN_TAG } from "../../server/run-prefix.ts";
import { sendAll } from "./send.ts";
import { openTraceStore, type TraceStore } from "./store.ts";
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
  tag: z.array(TagOption).default([]),
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
    .option("--tag <key=value>", "only traces carrying this tag; repeat for several", collectTags, [] as string[])
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

/** What the store says: the ids to consider, in order, and what the run already replayed. */
async function select(store: TraceStore, o: ReplayOptions, run: string, seed: string): Promise<{ ids: string[]; done: Set<string> }> {
  try {
    const done = o.run ? await replayedIn(store.queries, run) : new Set<string>();
    const filters = { sinceMs: o.since, untilMs: o.until, model: o.model, alias: o.alias, provider: o.provider, user: o.user, session: o.session, tags: o.tag };
    const ids = await candidateIds(store.queries, filters, { limit: o.limit, sample: o.sample !== undefined, seed });
    return { ids, done };
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(store.describe(e));
  }
}

/** Why nothing could be sent, said once. */
function refusal(s: SelectionCounts, run: string): string {
  const why: string[] = [];
  if (s.withoutContent)
    why.push(`${s.withoutContent} stored without prompt and answer (traced with OPENTRACY_TRACE_CONTENT=false, or past traces.content_retention_days)`);
  if (s.notChat)
    why.push(`${s.notChat} without the request's parameters (embeddings, a request kept in its own API's shape, or traced before traces kept request_params)`);
  if (why.length === 0) why.push("removed from the store since they were selected");
  const done = s.alreadyReplayed ? `; ${s.alreadyReplayed} already replayed in run ${run}` : "";
  return `${s.considered} trace(s) matched but none can be replayed: ${why.join("; ")}${done}`;
}

/** The same engine, however the loopback address is spelled. */
function sameEngine(a: string, b: string): boolean {
  const origin = (u: string) => {
    const url = new URL(u);
    if (["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) url.hostname = "127.0.0.1";
    return url.origin;
  };
  return origin(a) === origin(b);
}

async function replay(o: ReplayOptions): Promise<number> {
  const run = o.run ?? `replay-${randomBytes(4).toString("hex")}`;
  const seed = o.seed ?? run;
  // Open until the run ends: each record is read from it when a sender is ready for it.
  const store = await openTraceStore();
  try {
    return await replayFrom(store, o, run, seed);
  } finally {
    await store.close();
  }
}

async function replayFrom(store: TraceStore, o: ReplayOptions, run: string, seed: string): Promise<number> {
  const { ids, done } = await select(store, o, run, seed);
  if (ids.length === 0) throw new CliError("no successful traces match: widen --since or the filters");
  const load = (id: string) =>
    store.queries.get(id).catch((e) => {
      throw new CliError(store.describe(e));
    });
  const selection = new Selection(ids, done, o.sample ?? Number.POSITIVE_INFINITY, load);
  const plan = selection.plan();
  if (plan.send === 0) {
    process.stderr.write(`nothing to do: the ${plan.alreadyReplayed} selected trace(s) were already replayed in run ${run}\n`);
    return 0;
  }

  const { url, named } = resolveEngineUrl(o.url);
  if (o.run && named && !sameEngine(url, configuredEngineUrl())) {
    // What a run already replayed is read from the store this CLI is configured with; another engine may write elsewhere.
    warn(
      `run ${run} resumes from the traces in ${store.display}, but ${url} is not the configured engine (${configuredEngineUrl()}): if it writes its traces elsewhere, what the run already replayed is sent again`,
    );
  }
  if (!(await probeEngine(url, 3000))) throw new CliError(`no engine answers at ${url}: start one with 'opentracy serve', or give --url (OPENTRACY_URL)`);
  const token = process.env.OPENTRACY_TOKEN || undefined;

  // Said when the first record that can replay is about to go: when none can, the refusal is the only line.
  let announced = false;
  const announce = () => {
    announced = true;
    const c = selection.counts;
    const skipped = [
      plan.alreadyReplayed && `${plan.alreadyReplayed} already replayed in this run`,
      c.withoutContent && `${c.withoutContent} without content`,
      c.notChat && `${c.notChat} without request parameters`,
    ].filter(Boolean);
    const resume = o.run ? "" : `; if interrupted, the same command with --run ${run} resumes it`;
    process.stderr.write(
      `replaying ${plan.send} trace(s) to ${o.to} as run ${run}, ${o.concurrency} at a time${skipped.length ? ` (skipped ${skipped.join(", ")})` : ""}${resume}\n`,
    );
  };
  const progress = progressBar(plan.send, "answered");
  const compared: { index: number; result: Compared }[] = [];
  let answered = 0;
  try {
    const next = async () => {
      const queued = await selection.next();
      if (queued && !announced) announce();
      return queued;
    };
    await sendAll(next, { url, token, to: o.to, run, concurrency: o.concurrency }, (queued, outcome) => {
      compared.push({ index: queued.index, result: compare(queued.record, outcome) });
      if (outcome.ok) answered++;
      progress.update(compared.length, answered);
    });
  } finally {
    progress.end();
  }
  const counts = selection.counts;
  if (compared.length === 0) throw new CliError(refusal(counts, run));
  // So the run is whole in the store once the command ends: for the links below and a resume right
  // after. Best effort: an engine without the endpoint writes them within its flush interval anyway.
  if ((await flushEngineTraces(url, token).catch(() => null))?.failing)
    process.stderr.write("warning: the engine's trace store is failing: this run's traces are not all stored yet (a resume may send some again)\n");
  compared.sort((a, b) => a.index - b.index);
  const report = buildReport(
    compared.map((c) => c.result),
    o.to,
  );
  const tag = encodeURIComponent(`${RUN_TAG}=${run}`);
  const links = { traces: `${url}/traces?tag=${tag}`, activity: `${url}/activity?window=24h&by=tag&tag_key=${RUN_TAG}` };
  if (o.json) {
    const { pairs, ...summary } = report;
    const selected = {
      considered: counts.considered,
      replayed: compared.length,
      already_replayed: counts.alreadyReplayed,
      without_content: counts.withoutContent,
      not_chat: counts.notChat,
    };
    process.stdout.write(`${JSON.stringify({ run, to: o.to, seed, selection: selected, ...summary, links, pairs })}\n`);
  } else {
    const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    const skipped = [
      counts.withoutContent && `${counts.withoutContent} without content`,
      counts.notChat && `${counts.notChat} without request parameters`,
    ].filter(Boolean);
    process.stdout.write(
      `run ${run}: ${compared.length} trace(s) replayed to ${o.to}${skipped.length ? ` (skipped ${skipped.join(", ")})` : ""}\n\n${renderReport(report, color)}`,
    );
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
