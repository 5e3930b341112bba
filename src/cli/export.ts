import type { Command } from "commander";
import { z } from "zod";
import { paths } from "../config/paths.ts";
import { openFileAtomic } from "../fs/write-atomic.ts";
import { createTraceClient } from "../traces/clickhouse/client.ts";
import { clickhouseParquet, clickhouseRecords, countSelected, insertedUpTo, type ClickHouseSelection } from "../traces/clickhouse/export.ts";
import { clickHouseProblem, type ClickHouseTarget } from "../traces/clickhouse/url.ts";
import { exportSummary, toFineTuneExample, type SkipCounts } from "../traces/export/fine-tune.ts";
import { localRecords, scanLocal } from "../traces/export/local-source.ts";
import { writeParquet } from "../traces/export/parquet.ts";
import { parseInstant, type ExportSelection } from "../traces/export/select.ts";
import { newStats } from "../traces/reader.ts";
import type { TraceRecord } from "../traces/record.ts";
import { CliError, warn } from "./output.ts";
import { progressBar, type Progress } from "./progress.ts";
import { collectTags, TagOption } from "./tag-option.ts";

const ExportOptions = z.object({
  format: z.enum(["openai", "jsonl", "parquet"]),
  output: z.string().min(1).optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  model: z.string().min(1).optional(),
  alias: z.string().min(1).optional(),
  provider: z.string().min(1).optional(),
  status: z.enum(["ok", "error"]).optional(),
  user: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  tag: z.array(TagOption).default([]),
  api: z.enum(["chat", "messages", "responses", "embeddings"]).optional(),
  limit: z.string().regex(/^\d+$/).transform(Number).optional(),
});
type ExportOptions = z.infer<typeof ExportOptions>;

const HINTS: Record<string, string> = {
  format: "use openai, jsonl or parquet",
  status: "use ok or error",
  api: "use chat, messages, responses or embeddings",
  limit: "use a whole number ≥ 0",
  tag: "use key=value",
};
const INSTANT_HINT = "use a duration back from now (30m, 12h, 7d, 2w) or a date (2025-03-01, 2025-03-01T12:00:00Z)";

interface Parsed {
  opts: ExportOptions;
  selection: ExportSelection;
}

/** Checked here rather than by commander so a bad value is one line, as in `traces tail`. */
function parseOptions(raw: Record<string, unknown>, nowMs: number): Parsed {
  const parsed = ExportOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0]);
    const value = issue.path.length > 1 ? (raw[field] as unknown[])[Number(issue.path[1])] : raw[field];
    throw new CliError(`invalid ${field === "output" ? "-o" : `--${field}`} '${String(value)}': ${HINTS[field] ?? issue.message}`);
  }
  const opts = parsed.data;
  const instant = (flag: "since" | "until"): number | undefined => {
    const text = opts[flag];
    if (text === undefined) return undefined;
    const ms = parseInstant(text, nowMs);
    if (ms === null) throw new CliError(`invalid --${flag} '${text}': ${INSTANT_HINT}`);
    return ms;
  };
  const sinceMs = instant("since");
  const untilMs = instant("until");
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) throw new CliError("--since must be before --until");
  const { model, alias, provider, status, user, session, api } = opts;
  return { opts, selection: { sinceMs, untilMs, model, alias, provider, status, user, session, api, tags: opts.tag } };
}

export function registerExport(traces: Command, clickhouseTarget: () => ClickHouseTarget | null): void {
  traces
    .command("export")
    .description("write traces as a fine-tuning dataset (OpenAI chat JSON lines) or as full records (JSON lines, Parquet)")
    .option("--format <format>", "openai: fine-tuning examples; jsonl: the trace records; parquet: the trace records as a Parquet file", "openai")
    .option("-o, --output <file>", "write to <file> (it appears only once complete) instead of stdout")
    .option("--since <when>", "only traces started at or after <when>: 30m, 12h, 7d, 2w back, or a date 2025-03-01[T12:00:00Z]")
    .option("--until <when>", "only traces started before <when> (same forms as --since)")
    .option("--model <model>", "only traces whose requested model, selected model or alias is <model>")
    .option("--alias <alias>", "only traces of calls to this alias")
    .option("--provider <provider>", "only traces answered by this provider")
    .option("--status <status>", "only traces with this status: ok or error")
    .option("--user <user>", "only traces of this end user")
    .option("--session <id>", "only traces of this session")
    .option("--tag <key=value>", "only traces carrying this tag; repeat for several", collectTags, [] as string[])
    .option("--api <api>", "only traces of this API: chat, messages, responses or embeddings")
    .option("--limit <count>", "at most <count> lines (examples or records)")
    .action(async (raw: Record<string, unknown>) => {
      await exportTraces(parseOptions(raw, Date.now()), clickhouseTarget());
    });
}

/** Where the export goes: stdout, or a file that appears under its name only when complete. */
interface Sink {
  write(chunk: string | Uint8Array): Promise<void>;
  commit(): void;
  abort(): void;
}

function fileSink(path: string): Sink {
  let file: ReturnType<typeof openFileAtomic>;
  try {
    // Traces hold prompts and answers: readable by their owner only, as the store is.
    file = openFileAtomic(path, 0o600);
  } catch (e: any) {
    throw new CliError(`cannot write ${path}: ${e?.code === "ENOENT" ? "no such folder" : (e?.message ?? e)}`);
  }
  return {
    write: async (chunk) => {
      try {
        await file.write(chunk);
      } catch (e: any) {
        throw new CliError(`cannot write ${path}: ${e?.message ?? e}`);
      }
    },
    commit: () => file.commit(),
    abort: () => file.abort(),
  };
}

function stdoutSink(): Sink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        // Waiting for each write to be taken keeps at most one chunk in flight: constant memory.
        process.stdout.write(chunk, (e) => {
          // A reader that goes away (`| head`) is a normal way to stop, not an error.
          if ((e as NodeJS.ErrnoException | null | undefined)?.code === "EPIPE") process.exit(0);
          if (e) reject(new CliError(`cannot write to stdout: ${e.message}`));
          else resolve();
        });
      }),
    commit() {},
    abort() {},
  };
}

/** JSON lines gathered into ~64 KiB writes: one write per line would be a syscall per trace. */
class Lines {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly sink: Sink) {}

  async push(line: string): Promise<void> {
    this.parts.push(line, "\n");
    this.size += line.length + 1;
    if (this.size >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    await this.sink.write(text);
  }
}

interface Source {
  records: AsyncGenerator<TraceRecord>;
  /** For the progress bar: how far the source has got of its total. */
  position(): { done: number; total: number | null };
  /** ClickHouse's own Parquet, and how many rows it holds. */
  parquet?: { rows: number; bytes: () => Promise<AsyncIterable<Uint8Array>> };
  /** Lines of the store that could not be read, for the closing warning. */
  unreadable(): number;
  close(): Promise<void>;
}

async function localSource(selection: ExportSelection): Promise<Source> {
  const dir = paths().traces;
  const scan = await scanLocal(dir, selection);
  const stats = newStats();
  return {
    records: localRecords(scan.files, selection, stats),
    position: () => ({ done: stats.bytesRead, total: scan.totalBytes }),
    unreadable: () => stats.skipped,
    close: async () => {},
  };
}

async function clickhouseSource(target: ClickHouseTarget, asked: ExportSelection, opts: ExportOptions): Promise<Source> {
  // A long export reads for minutes; the default timeout is for short queries.
  const client = await createTraceClient(target, { timeoutMs: 3_600_000 });
  let rows = 0;
  let selection: ClickHouseSelection;
  let total: number;
  try {
    selection = { ...asked, insertedUpToMs: await insertedUpTo(client, target.database) };
    total = await countSelected(client, target.database, selection);
  } catch (e) {
    await client.close().catch(() => {});
    throw clickhouseError(e, target);
  }
  // Skipped traces do not count toward an example limit, so only full records are capped in SQL.
  const sqlLimit = opts.format === "openai" ? undefined : opts.limit;
  async function* counted() {
    for await (const r of fromClickHouse(clickhouseRecords(client, target.database, selection, sqlLimit), target)) {
      rows++;
      yield r;
    }
  }
  return {
    records: counted(),
    position: () => ({ done: rows, total: sqlLimit === undefined ? total : Math.min(total, sqlLimit) }),
    parquet: {
      rows: opts.limit === undefined ? total : Math.min(total, opts.limit),
      bytes: async () => {
        try {
          return fromClickHouse(await clickhouseParquet(client, target.database, selection, opts.limit), target);
        } catch (e) {
          throw clickhouseError(e, target);
        }
      },
    },
    unreadable: () => 0,
    close: () => client.close().catch(() => {}),
  };
}

function clickhouseError(e: any, target: ClickHouseTarget): CliError {
  return new CliError(clickHouseProblem(e, target));
}

/**
 * A ClickHouse stream whose failures say where they came from. Only the source's: a full disk
 * under -o or a closed stdout is the export's own error, not the server's.
 */
async function* fromClickHouse<T>(items: AsyncIterable<T>, target: ClickHouseTarget): AsyncGenerator<T> {
  const it = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await it.next();
      } catch (e) {
        throw clickhouseError(e, target);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}

async function exportTraces({ opts, selection }: Parsed, target: ClickHouseTarget | null): Promise<void> {
  if (opts.format === "parquet" && opts.output === undefined && process.stdout.isTTY) {
    throw new CliError("Parquet is binary: write it to a file with -o FILE, or pipe it");
  }
  // The output first: a folder that does not exist fails before a ClickHouse client is opened.
  const sink = opts.output === undefined ? stdoutSink() : fileSink(opts.output);
  let source: Source;
  try {
    source = target ? await clickhouseSource(target, selection, opts) : await localSource(selection);
  } catch (e) {
    sink.abort();
    throw e;
  }
  const progress = progressBar(source.position().total, opts.format === "openai" ? "examples" : "traces");
  const interrupted = () => {
    progress.end();
    sink.abort();
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  let summary: string;
  try {
    summary = await run(opts, source, sink, progress);
    sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  } finally {
    process.off("SIGINT", interrupted);
    progress.end();
    await source.close();
  }
  process.stderr.write(`${summary}\n`);
  if (source.unreadable() > 0) warn(`skipped ${source.unreadable()} unreadable line(s) in ${paths().traces}`);
}

async function run(opts: ExportOptions, source: Source, sink: Sink, progress: Progress): Promise<string> {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let exported = 0;
  const tick = () => {
    const { done } = source.position();
    progress.update(done, exported);
  };

  if (opts.format === "parquet") {
    if (source.parquet) {
      for await (const chunk of await source.parquet.bytes()) await sink.write(chunk);
      return exportSummary(source.parquet.rows, {});
    }
    async function* limited() {
      for await (const r of source.records) {
        if (exported >= limit) break;
        exported++;
        tick();
        yield r;
      }
    }
    await writeParquet(limited(), (bytes) => sink.write(bytes));
    return exportSummary(exported, {});
  }

  const lines = new Lines(sink);
  const skipped: SkipCounts = {};
  if (limit > 0) {
    for await (const r of source.records) {
      if (opts.format === "jsonl") {
        await lines.push(JSON.stringify(r));
      } else {
        const res = toFineTuneExample(r);
        if ("skip" in res) {
          skipped[res.skip] = (skipped[res.skip] ?? 0) + 1;
          continue;
        }
        await lines.push(JSON.stringify(res.example));
      }
      exported++;
      tick();
      if (exported >= limit) break;
    }
  }
  await lines.flush();
  return exportSummary(exported, skipped);
}
