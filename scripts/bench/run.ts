// `npm run bench`: one run, one machine, every target against the same mock; then memory growth.
// Progress goes to stderr, the Markdown report to stdout and scripts/bench/results/latest.md.

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { exchange } from "./client.ts";
import { setupClickhouse, type ClickhouseSetup } from "./clickhouse.ts";
import { requestGrowth, type GrowthResult } from "./growth.ts";
import { pickGenerator } from "./load/index.ts";
import { longStreams, type LongStreamResult } from "./long-stream.ts";
import { describeMachine } from "./machine.ts";
import { caseKey, runMatrix, type Case, type Results } from "./matrix.ts";
import { parseOptions } from "./options.ts";
import { renderReport, type ReportInput } from "./report.ts";
import { slowStreams, type SlowStreamsResult } from "./slow-streams.ts";
import { spawnServer, stopAll } from "./spawn.ts";
import { LABELS, startTarget, type Target } from "./targets.ts";

const started = performance.now();
const loadStart = loadavg()[0];
const opts = parseOptions(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);
const notes: string[] = [];

// Two cores: the system under test gets core 1 to itself; the load generator, the shared mock
// upstream, ClickHouse and this process share core 0. Without pinning the scheduler moves them
// around and run-to-run spread grows several-fold.
const canPin = opts.pin && Bun.which("taskset") !== null && availableParallelism() >= 2;
const cores = canPin ? { load: 0, sut: 1 } : { load: null, sut: null };
let pinning = "Not pinned (--no-pin, no taskset, or a single core).";
if (canPin) {
  Bun.spawnSync(["taskset", "-a", "-p", "-c", "0", String(process.pid)], { stdout: "ignore" });
  pinning =
    "Pinned with taskset: the target on core 1 alone; load generator, shared mock upstream, ClickHouse and the bench's own client on core 0. (a) is a second copy of the mock on core 1, so the limit is the same program on the same core every gateway gets.";
}

process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
process.on("SIGTERM", () => void stopAll().then(() => process.exit(143)));

const gen = pickGenerator(opts.loadgen, (n) => {
  log(n);
  notes.push(n);
});
log(`load generator: ${gen.version}; ${pinning}`);

const upstream = await spawnServer({
  name: "mock upstream",
  cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
  core: cores.load,
  ready: /listening on (http:\/\/[^\s]+)/,
});

const cases: Case[] = opts.dialects.flatMap((dialect) => opts.modes.map((mode) => ({ dialect, mode })));
const unavailable: ReportInput["unavailable"] = [];
let results: Results | null = null;
let growth: GrowthResult | null = null;
let longs: LongStreamResult[] | null = null;
let slow: SlowStreamsResult[] | null = null;

try {
  if (opts.matrix) {
    let ch: ClickhouseSetup = { unavailable: "not requested" };
    if (opts.targets.includes("opentracy-ch")) {
      ch = await setupClickhouse(cores.load);
      log(`ClickHouse: ${"url" in ch ? `${ch.how} at ${ch.url}` : ch.unavailable}`);
    }
    const targets: Target[] = [];
    for (const id of opts.targets) {
      const t = await startTarget(id, {
        upstream: upstream.url,
        chunks: opts.chunks,
        core: cores.sut,
        clickhouse: "url" in ch ? { url: ch.url, pid: ch.pid } : ch,
      });
      if ("unavailable" in t) {
        log(`${id}: not available: ${t.unavailable}`);
        unavailable.push({ id, reason: t.unavailable });
      } else {
        targets.push(t);
      }
    }

    // The Anthropic adapter is younger than the engine: an engine that answers 501 for the
    // protocol is reported as not having it, not as a broken run.
    const skips = new Map<string, string>();
    for (const t of targets.filter((t) => t.id.startsWith("opentracy"))) {
      if (!opts.dialects.includes("anthropic")) break;
      const probe = await exchange(t.request("anthropic", "nonstream"), t.expect("anthropic"), "nonstream", opts.chunks);
      if (probe.error && /status (501|404)/.test(probe.error)) {
        const reason = `the engine cannot call Anthropic yet (${probe.error.slice(0, 140)})`;
        for (const c of cases.filter((c) => c.dialect === "anthropic")) {
          skips.set(`${t.id} ${caseKey(c)}`, reason);
          unavailable.push({ id: t.id, reason, case: caseKey(c) });
        }
      }
    }

    if (canPin) {
      const sut = targets.map((t) => `${t.id} pid ${t.pid}`).join(", ");
      log(`targets on core 1: ${sut}`);
    }
    results = await runMatrix(targets, cases, {
      opts,
      gen,
      loadCore: cores.load,
      log,
      skip: (c, t) => skips.get(`${t.id} ${caseKey(c)}`) ?? null,
    });
    // A broken target's own words belong in the report next to its error count.
    for (const t of targets) {
      const bad = [...results.values()].some((per) => (per.get(t.id) ?? []).some((m) => m.non2xx + m.socketErrors + m.samplesFailed > 0));
      if (!bad) continue;
      const lines = t.output().split("\n");
      const i = lines.findIndex((l) => /error/i.test(l));
      if (i >= 0)
        notes.push(
          `${LABELS[t.id]} answered wrongly; its own log says: \`${lines
            .slice(i, i + 4)
            .map((l) => l.trim())
            .join(" ")
            .slice(0, 400)}\``,
        );
    }
    for (const t of targets) await t.stop();
    if ("stop" in ch) await ch.stop();
  }

  if (opts.growth) {
    log(`memory growth: ${opts.growthCounts.join(", ")} requests…`);
    growth = await requestGrowth(opts, gen, upstream.url, cores, log);
    log(`one stream of ${opts.longStreamChunks} chunks…`);
    longs = await longStreams(upstream.url, opts.longStreamChunks, cores.sut, opts.dialects);
    log(`${opts.slowStreams} concurrent slow streams…`);
    slow = await slowStreams(opts, upstream.url, cores);
  }
} finally {
  await stopAll();
}

const report = renderReport({
  machine: describeMachine(),
  opts,
  loadgen: gen.version,
  pinning,
  cases,
  results,
  unavailable,
  growth,
  longStreams: longs,
  slow,
  notes,
  minutes: (performance.now() - started) / 60_000,
  load: { start: loadStart, end: loadavg()[0] },
});
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, `${report}\n`);
// The raw per-round numbers beside the table, for anyone who wants to check a median.
writeFileSync(
  `${opts.out.replace(/\.md$/, "")}.json`,
  `${JSON.stringify(
    {
      opts,
      results: results && Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])),
      growth,
      longStreams: longs,
      slow,
      unavailable,
      notes,
    },
    null,
    1,
  )}\n`,
);
process.stdout.write(`${report}\n`);
log(`written to ${opts.out}`);
process.exit(0);
