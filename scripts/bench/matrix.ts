// The side-by-side measurement: every (dialect, mode) case against every running target, in
// rounds with the target order rotated each round so drift (thermal, page cache, a noisy
// neighbour) spreads over all targets instead of landing on whichever runs last.

import { exchange, startSampler } from "./client.ts";
import type { LoadGenerator } from "./load/types.ts";
import type { Dialect, Mode, Options, TargetId } from "./options.ts";
import { cpuMicros, peakRssKb, resetPeakRss } from "./proc-stats.ts";
import { median, percentile } from "./stats.ts";
import type { Target } from "./targets.ts";

export interface Measurement {
  rps: number;
  p50Us: number;
  p99Us: number;
  c1P50Us: number;
  c1P99Us: number;
  /** streams only */
  ttfbP50Us: number;
  ttfbP99Us: number;
  cpuUsPerReq: number;
  /** CPU of the target's helper server (ClickHouse) per request over the same run; NaN without one */
  helperCpuUsPerReq: number;
  peakRssKb: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  samplesChecked: number;
  samplesFailed: number;
  firstError: string | null;
}

export interface Case {
  dialect: Dialect;
  mode: Mode;
}

export type Results = Map<string, Map<TargetId, Measurement[]>>;
export const caseKey = (c: Case) => `${c.dialect}/${c.mode}`;

export interface MatrixDeps {
  opts: Options;
  gen: LoadGenerator;
  /** core for the load generator (and this process), or null */
  loadCore: number | null;
  log: (line: string) => void;
  /** why a target cannot take part in one case (e.g. the engine lacks that protocol), else null */
  skip: (c: Case, t: Target) => string | null;
}

/** Sequential requests through the bench's own client: time to first byte, or whole-answer latency. */
async function sequential(t: Target, c: Case, deps: MatrixDeps, count: number, maxMs: number) {
  const req = t.request(c.dialect, c.mode);
  const exp = t.expect(c.dialect);
  const ttfb: number[] = [];
  const total: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  const end = performance.now() + maxMs;
  for (let i = 0; i < count && performance.now() < end; i++) {
    const r = await exchange(req, exp, c.mode, deps.opts.chunks);
    if (r.error) {
      failed++;
      firstError ??= r.error;
      continue;
    }
    ttfb.push(r.ttfbUs);
    total.push(r.totalUs);
  }
  return { ttfb, total, checked: ttfb.length + failed, failed, firstError };
}

export async function measure(t: Target, c: Case, deps: MatrixDeps): Promise<Measurement> {
  const { opts, gen } = deps;
  const req = t.request(c.dialect, c.mode);
  const exp = t.expect(c.dialect);
  const durationMs = opts.durationS * 1000;

  resetPeakRss(t.pid);
  const cpu0 = cpuMicros(t.pid);
  const helper0 = t.helperPid ? cpuMicros(t.helperPid) : NaN;
  const sampler = startSampler(req, exp, c.mode, opts.chunks, Math.max(50, durationMs / 12), 10);
  const load = await gen.run({ req, connections: opts.concurrency, durationS: opts.durationS, core: deps.loadCore });
  const tally = await sampler.stop();
  const cpu1 = cpuMicros(t.pid);
  const helper1 = t.helperPid ? cpuMicros(t.helperPid) : NaN;
  const peak = peakRssKb(t.pid);

  // Concurrency 1: what one client waiting on each answer sees added by the gateway.
  let c1P50 = NaN;
  let c1P99 = NaN;
  let c1Errors = 0;
  let seqChecked = 0;
  let seqFailed = 0;
  let firstError = tally.firstError;
  if (gen.fineLatency) {
    const one = await gen.run({ req, connections: 1, durationS: opts.durationS, core: deps.loadCore });
    c1P50 = one.p50Us;
    c1P99 = one.p99Us;
    c1Errors = one.non2xx + one.socketErrors;
  } else {
    const s = await sequential(t, c, deps, 100_000, durationMs);
    c1P50 = percentile(s.total, 50);
    c1P99 = percentile(s.total, 99);
    seqChecked += s.checked;
    seqFailed += s.failed;
    firstError ??= s.firstError;
  }

  let ttfbP50 = NaN;
  let ttfbP99 = NaN;
  if (c.mode === "stream") {
    const s = await sequential(t, c, deps, opts.ttfbSamples, 30_000);
    ttfbP50 = percentile(s.ttfb, 50);
    ttfbP99 = percentile(s.ttfb, 99);
    seqChecked += s.checked;
    seqFailed += s.failed;
    firstError ??= s.firstError;
  }

  const served = load.requests + tally.checked;
  return {
    rps: load.rps,
    p50Us: load.p50Us,
    p99Us: load.p99Us,
    c1P50Us: c1P50,
    c1P99Us: c1P99,
    ttfbP50Us: ttfbP50,
    ttfbP99Us: ttfbP99,
    cpuUsPerReq: served ? (cpu1 - cpu0) / served : NaN,
    helperCpuUsPerReq: served ? (helper1 - helper0) / served : NaN,
    peakRssKb: peak,
    requests: load.requests,
    non2xx: load.non2xx + c1Errors,
    socketErrors: load.socketErrors,
    samplesChecked: tally.checked + seqChecked,
    samplesFailed: tally.failed + seqFailed,
    firstError,
  };
}

export async function runMatrix(targets: Target[], cases: Case[], deps: MatrixDeps): Promise<Results> {
  const results: Results = new Map();
  for (const c of cases) results.set(caseKey(c), new Map(targets.filter((t) => !deps.skip(c, t)).map((t) => [t.id, []])));

  // JIT, connection pools and caches warm up before anything counts.
  deps.log("warming up every target on every case (1 s each)…");
  for (const c of cases) {
    for (const t of targets) {
      if (deps.skip(c, t)) continue;
      await deps.gen.run({ req: t.request(c.dialect, c.mode), connections: deps.opts.concurrency, durationS: 1, core: deps.loadCore });
      const check = await exchange(t.request(c.dialect, c.mode), t.expect(c.dialect), c.mode, deps.opts.chunks);
      if (check.error) deps.log(`  ${t.id} ${caseKey(c)}: answer is wrong after warm-up: ${check.error}`);
    }
  }

  for (let round = 0; round < deps.opts.rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const c of cases) {
      for (const t of order) {
        if (deps.skip(c, t)) continue;
        const m = await measure(t, c, deps);
        results.get(caseKey(c))!.get(t.id)!.push(m);
        const errs = m.non2xx + m.socketErrors + m.samplesFailed;
        deps.log(
          `  round ${round + 1}/${deps.opts.rounds} ${caseKey(c).padEnd(19)} ${t.id.padEnd(13)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${(m.p50Us / 1000).toFixed(2)} ms  c1 p50 ${(m.c1P50Us / 1000).toFixed(3)} ms  cpu ${Math.round(m.cpuUsPerReq)} µs/req${errs ? `  ERRORS ${errs}: ${m.firstError ?? "(status/socket)"}` : ""}`,
        );
      }
    }
  }
  return results;
}

/** Medians over rounds; error counts are summed, never averaged away. */
export function summarise(ms: Measurement[]): Measurement {
  const med = (f: (m: Measurement) => number) => median(ms.map(f));
  const sum = (f: (m: Measurement) => number) => ms.reduce((a, m) => a + f(m), 0);
  return {
    rps: med((m) => m.rps),
    p50Us: med((m) => m.p50Us),
    p99Us: med((m) => m.p99Us),
    c1P50Us: med((m) => m.c1P50Us),
    c1P99Us: med((m) => m.c1P99Us),
    ttfbP50Us: med((m) => m.ttfbP50Us),
    ttfbP99Us: med((m) => m.ttfbP99Us),
    cpuUsPerReq: med((m) => m.cpuUsPerReq),
    helperCpuUsPerReq: med((m) => m.helperCpuUsPerReq),
    peakRssKb: Math.max(...ms.map((m) => m.peakRssKb)),
    requests: sum((m) => m.requests),
    non2xx: sum((m) => m.non2xx),
    socketErrors: sum((m) => m.socketErrors),
    samplesChecked: sum((m) => m.samplesChecked),
    samplesFailed: sum((m) => m.samplesFailed),
    firstError: ms.find((m) => m.firstError)?.firstError ?? null,
  };
}
