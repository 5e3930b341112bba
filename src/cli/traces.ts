import type { Command } from "commander";
import { z } from "zod";
import { paths } from "../config/paths.ts";
import { createTraceClient } from "../traces/clickhouse/client.ts";
import { ClickHouseTraceSource } from "../traces/clickhouse/source.ts";
import { clickHouseProblem, parseClickHouseUrl, resolveClickHouseUrl, type ClickHouseTarget } from "../traces/clickhouse/url.ts";
import { followRecords, lastRecords, newStats, type ReadStats, type TraceFilter } from "../traces/reader.ts";
import type { TraceRecord } from "../traces/record.ts";
import { CliError, warn } from "./output.ts";
import { readConfig } from "../settings/files.ts";
import { TABLE } from "../traces/clickhouse/schema.ts";
import { qualified } from "../traces/clickhouse/sql.ts";
import { pruneLocal, retentionOf } from "../traces/retention.ts";
import { plainHeader, plainRow } from "./tail/plain.ts";
import { registerExport } from "./export.ts";

const TailOptions = z.object({
  lines: z.string().regex(/^\d+$/).transform(Number),
  follow: z.boolean().optional(),
  json: z.boolean().default(false),
  model: z.string().min(1).optional(),
  status: z.enum(["ok", "error"]).optional(),
  user: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  tag: z
    .string()
    .regex(/^[^=]+=.*$/, "use key=value")
    .transform((t) => ({ key: t.slice(0, t.indexOf("=")), value: t.slice(t.indexOf("=") + 1) }))
    .optional(),
});
type TailOptions = z.infer<typeof TailOptions>;

const filterOf = (o: TailOptions): TraceFilter => ({ model: o.model, status: o.status, user: o.user, session: o.session, tag: o.tag });

/** Options are checked here rather than by commander so a bad value is one line, without the help hint. */
function parseOptions(raw: Record<string, unknown>): TailOptions {
  const parsed = TailOptions.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue.path[0]);
  const flag = field === "lines" ? "-n" : `--${field}`;
  const hint = field === "status" ? "use ok or error" : field === "lines" ? "use a whole number ≥ 0" : issue.message;
  throw new CliError(`invalid ${flag} '${String(raw[field])}': ${hint}`);
}

export function registerTraces(program: Command): void {
  const traces = program.command("traces").description("read the traces: the local store, or ClickHouse when one is configured");

  traces
    .command("tail")
    .description("show the latest traces and follow new ones (live table on a terminal)")
    .option("-n, --lines <count>", "how many past traces to show", "20")
    .option("--follow", "keep showing new traces (the default on a terminal)")
    .option("--no-follow", "show the last traces and exit (the default when piped)")
    .option("--json", "one JSON object per line, oldest first")
    .option("--model <model>", "only traces whose requested model, selected model or alias is <model>")
    .option("--status <status>", "only traces with this status: ok or error")
    .option("--user <user>", "only traces of this end user (the request's user, or X-OpenTracy-User)")
    .option("--session <id>", "only traces of this session (X-OpenTracy-Session-Id)")
    .option("--tag <key=value>", "only traces carrying this tag (X-OpenTracy-Tags, or the request's metadata)")
    .action(async (raw: Record<string, unknown>) => {
      await tail(parseOptions(raw));
    });

  traces
    .command("prune")
    .description("apply the retention now (traces.retention_days, traces.content_retention_days); the engine also does it daily")
    .action(async () => {
      const config = readConfig();
      const retention = retentionOf(config.traces);
      const target = clickhouseTarget();
      if (target) {
        // ClickHouse keeps the TTLs the engine set at its start; this applies them to every part now.
        const client = await createTraceClient(target, { timeoutMs: 120_000 });
        try {
          await client.command({
            query: `ALTER TABLE ${qualified(target.database, TABLE.traces)} MATERIALIZE TTL`,
            clickhouse_settings: { mutations_sync: "2" },
          });
        } finally {
          await client.close();
        }
        process.stdout.write(`applied the TTLs of ${target.display} (set from the retention at the engine's start)\n`);
        return;
      }
      if (!retention.days && !retention.contentDays)
        throw new CliError("no retention is set: add traces.retention_days or traces.content_retention_days to config.json");
      const { deleted, stripped } = pruneLocal(paths().traces, retention);
      process.stdout.write(`deleted ${deleted.length} day file(s), removed prompts and answers from ${stripped.length}\n`);
    });

  registerExport(traces, clickhouseTarget);
}

/** Where the engine sends traces: OPENTRACY_CLICKHOUSE_URL, then config.json, else the local store. */
export function clickhouseTarget(): ClickHouseTarget | null {
  const p = paths();
  const raw = resolveClickHouseUrl(undefined, process.env, readConfig(p).traces?.clickhouse_url);
  if (raw === undefined) return null;
  try {
    return parseClickHouseUrl(raw);
  } catch (e: any) {
    throw new CliError(`invalid ClickHouse URL: ${e.message}`);
  }
}

async function tail(opts: TailOptions): Promise<void> {
  const target = clickhouseTarget();
  if (target) return tailClickHouse(opts, target);
  const dir = paths().traces;
  const filter = filterOf(opts);
  const tty = Boolean(process.stdout.isTTY);
  // Scripts must never hang: only an interactive terminal follows unless asked to.
  const follow = opts.follow ?? tty;
  const stats = newStats();

  if (tty && !opts.json) {
    // Loaded only here so the plain and JSON paths never pay for React and ink.
    const { runLiveTail } = await import("./tail/run.tsx");
    await runLiveTail({ dir, lines: opts.lines, filter, follow, stats });
    reportSkipped(stats, dir);
    return;
  }

  const print = lineOutput(opts.json);
  const { records, end } = await lastRecords(dir, opts.lines, filter, stats);
  for (const r of records) print(r);
  reportSkipped(stats, dir);
  if (!follow) return;

  let reported = stats.skipped;
  for await (const r of followRecords(dir, { from: end, filter, stats })) {
    print(r);
    if (stats.skipped !== reported) {
      warn(`skipped ${stats.skipped - reported} unreadable line(s) in ${dir}`);
      reported = stats.skipped;
    }
  }
}

/** Line output for pipes and files: JSON lines, or the plain table after its header. */
function lineOutput(json: boolean): (r: TraceRecord) => void {
  // A reader that goes away (`| head`) is a normal way to stop, not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  if (json) return (r) => process.stdout.write(`${JSON.stringify(r)}\n`);
  process.stdout.write(`${plainHeader()}\n`);
  return (r) => process.stdout.write(`${plainRow(r)}\n`);
}

function reportSkipped(stats: ReadStats, dir: string): void {
  if (stats.skipped > 0) warn(`skipped ${stats.skipped} unreadable line(s) in ${dir}`);
}

async function tailClickHouse(opts: TailOptions, target: ClickHouseTarget): Promise<void> {
  const filter = filterOf(opts);
  const tty = Boolean(process.stdout.isTTY);
  const follow = opts.follow ?? tty;
  const client = await createTraceClient(target);
  const source = new ClickHouseTraceSource(client, target.database);
  const failed = (e: any): never => {
    throw new CliError(clickHouseProblem(e, target));
  };
  try {
    const { records, cursor } = await source.last(opts.lines, filter).catch(failed);
    if (tty && !opts.json) {
      const { runFeedTail } = await import("./tail/run-feed.tsx");
      await runFeedTail(records, follow ? (signal) => source.follow(cursor, { filter, signal, onError: () => {} }) : null);
      return;
    }
    const print = lineOutput(opts.json);
    for (const r of records) print(r);
    if (!follow) return;
    // While following, an outage is a warning (once per outage); the cursor waits where it is.
    let failing = false;
    const onError = (e: any) => {
      if (!failing) warn(`${clickHouseProblem(e, target)}; retrying`);
      failing = true;
    };
    for await (const r of source.follow(cursor, { filter, onError })) {
      failing = false;
      print(r);
    }
  } finally {
    await client.close().catch(() => {});
  }
}
