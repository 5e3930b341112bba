// Does memory stay flat as requests pile up? A fresh engine takes non-stream load in slices and
// its RSS is read as the request count passes each milestone. Slices are whole seconds (wrk's
// unit), sized from the measured rate, so each reading is taken close to its milestone and the
// exact count is reported with it.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { exchange } from "./client.ts";
import { startEngine } from "./engine.ts";
import type { LoadGenerator } from "./load/types.ts";
import type { Options } from "./options.ts";
import { rssKb, sampleWhile } from "./proc-stats.ts";
import { JSON_CT, MODELS, openaiBody } from "./workload.ts";

export interface GrowthPoint {
  target: number;
  requests: number;
  rssKb: number;
  /** highest RSS sampled since the previous milestone: garbage not yet collected shows here */
  maxRssKb: number;
  elapsedS: number;
}

export interface GrowthResult {
  startRssKb: number;
  points: GrowthPoint[];
  /** RSS after the load stopped and the trace writer had a moment to flush */
  idleRssKb: number;
  errors: number;
  /** of `errors`: answers with a non-2xx status, and connect/read/write errors or timeouts */
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  firstError: string | null;
  traces: { written: number; dropped: number; queued: number } | null;
  traceBytes: number;
  /** set when the time budget ran out before the last milestone */
  cutShort: string | null;
}

const BUDGET_MS = 20 * 60_000;

function dirBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

export async function requestGrowth(
  opts: Options,
  gen: LoadGenerator,
  upstream: string,
  cores: { sut: number | null; load: number | null },
  log: (l: string) => void,
): Promise<GrowthResult> {
  const engine = await startEngine({ name: "opentracy (growth)", upstream, chunks: opts.chunks, core: cores.sut });
  try {
    const req = { url: `${engine.url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`openai/${MODELS.openai}`, "nonstream") };
    const exp = { shape: "openai" as const, extras: true };
    let errors = 0;
    let non2xx = 0;
    let socketErrors = 0;
    let timeouts = 0;
    let firstError: string | null = null;
    const check = async () => {
      const r = await exchange(req, exp, "nonstream", opts.chunks);
      if (r.error) {
        errors++;
        firstError ??= r.error;
      }
    };
    for (let i = 0; i < 20; i++) await check();
    const startRssKb = rssKb(engine.pid);

    const points: GrowthPoint[] = [];
    let total = 20;
    let rate = 2000;
    const t0 = performance.now();
    let cutShort: string | null = null;
    for (const target of opts.growthCounts) {
      const sampler = sampleWhile(engine.pid, 250);
      while (total < target) {
        if (performance.now() - t0 > BUDGET_MS) {
          cutShort = `stopped after ${Math.round(BUDGET_MS / 60_000)} min at ${total} requests`;
          break;
        }
        const seconds = Math.max(1, Math.min(30, Math.floor((target - total) / rate)));
        const r = await gen.run({ req, connections: opts.concurrency, durationS: seconds, core: cores.load });
        total += r.requests;
        rate = Math.max(100, r.rps);
        errors += r.non2xx + r.socketErrors;
        non2xx += r.non2xx;
        socketErrors += r.socketErrors;
        timeouts += r.timeouts;
        await check();
        total++;
      }
      const now = rssKb(engine.pid);
      const seen = sampler.stop();
      if (cutShort) break;
      points.push({ target, requests: total, rssKb: now, maxRssKb: Math.max(now, seen.maxRssKb), elapsedS: (performance.now() - t0) / 1000 });
      log(`  growth: ${total} requests, RSS ${(points.at(-1)!.rssKb / 1024).toFixed(1)} MB, ${Math.round(rate)} req/s`);
    }
    // The writer flushes every 200 ms; give it a moment so queued/dropped are final.
    await Bun.sleep(1500);
    let traces: GrowthResult["traces"] = null;
    try {
      const h: any = await (await fetch(`${engine.url}/health`, { signal: AbortSignal.timeout(5000) })).json();
      traces = { written: h.traces?.written, dropped: h.traces?.dropped, queued: h.traces?.queued };
    } catch {}
    // The load generator counts failures but cannot say what they were; the engine's log can.
    if (errors && !firstError)
      firstError =
        engine
          .output()
          .split("\n")
          .find((l) => /error|refus|limit|timeout/i.test(l))
          ?.slice(0, 300) ?? null;
    return {
      startRssKb,
      points,
      idleRssKb: rssKb(engine.pid),
      errors,
      non2xx,
      socketErrors,
      timeouts,
      firstError,
      traces,
      traceBytes: dirBytes(join(engine.home, "traces")),
      cutShort,
    };
  } finally {
    await engine.stop();
  }
}
