// `serve --workers 1` against `--workers 2`, interleaved rounds against the same mock upstream:
// requests per second, and the CPU per request of every process of the engine (the primary and
// its workers; children found through /proc), so a second core's gain and the primary's cost of
// writing the workers' traces are both visible.
//
//   bun scripts/bench/workers.ts [--mode nonstream|stream] [--rounds 4] [--seconds 4] [--counts 1,2]
//
// Unpinned: the point is to let the engine use every core. On a 2-core machine the load generator
// and the mock share those cores, so the gain shown is a floor for a machine with cores to spare.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { engineEnv, ROOT } from "./engine.ts";
import { WRK_HINT } from "./load/index.ts";
import { wrkGenerator } from "./load/wrk.ts";
import { cpuMicros } from "./proc-stats.ts";
import { spawnServer, stopAll } from "./spawn.ts";
import { median } from "./stats.ts";
import { JSON_CT, MODELS, openaiBody, scenario } from "./workload.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    mode: { type: "string", default: "nonstream" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "4" },
    counts: { type: "string", default: "1,2" },
  },
});
const mode = values.mode === "stream" ? "stream" : "nonstream";
const counts = values.counts.split(",").map(Number);
const gen = wrkGenerator();
if (!gen) throw new Error(WRK_HINT);

/** The process and its descendants (the primary's workers). */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {}
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}
const cpuOf = (pids: number[]) => pids.reduce((sum, p) => sum + cpuMicros(p), 0);

const rps: Record<number, number[]> = {};
const cpu: Record<number, number[]> = {};
const primaryCpu: Record<number, number[]> = {};
try {
  const mock = await spawnServer({
    name: "mock",
    cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
    core: null,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  const prefix = `${mock.url}${scenario(20, 0)}`;
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const n of counts) {
      const home = join(mkdtempSync(join(tmpdir(), "opentracy-workers-")), "home");
      mkdirSync(home, { mode: 0o700 });
      const engine = await spawnServer({
        name: `workers ${n}`,
        cmd: [process.execPath, join(ROOT, "bin/opentracy.ts"), "serve", "--port", "0", "--quiet", "--workers", String(n)],
        cwd: ROOT,
        core: null,
        env: engineEnv(home, prefix),
        ready: /listening on (http:\/\/[^\s]+)/,
      });
      const req = { url: `${engine.url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`openai/${MODELS.openai}`, mode) };
      await gen.run({ req, connections: 50, durationS: 1, core: null });
      const pids = tree(engine.pid);
      const c0 = cpuOf(pids);
      const p0 = cpuMicros(engine.pid);
      const r = await gen.run({ req, connections: 50, durationS: Number(values.seconds), core: null });
      if (r.non2xx || r.socketErrors) throw new Error(`--workers ${n}: ${r.non2xx} non-2xx answers, ${r.socketErrors} socket errors of ${r.requests}`);
      (cpu[n] ??= []).push((cpuOf(pids) - c0) / r.requests);
      // With workers, the primary serves nothing: all its CPU is the cost of writing their traces for them.
      if (n > 1) (primaryCpu[n] ??= []).push((cpuMicros(engine.pid) - p0) / r.requests);
      (rps[n] ??= []).push(r.rps);
      await engine.stop();
      rmSync(join(home, ".."), { recursive: true, force: true });
    }
    process.stderr.write(`round ${round}: ${counts.map((n) => `${n} worker(s) ${Math.round(rps[n]!.at(-1)!)} req/s`).join(", ")}\n`);
  }
  await mock.stop();
} finally {
  await stopAll();
}
const [first] = counts as [number];
process.stdout.write(`${mode}, ${values.rounds} interleaved rounds of ${values.seconds} s, 50 connections, medians\n`);
for (const n of counts) {
  process.stdout.write(
    `--workers ${n}: ${Math.round(median(rps[n]!))} req/s (${(median(rps[n]!) / median(rps[first]!)).toFixed(2)}×), CPU ${median(cpu[n]!).toFixed(0)} µs/req across its processes${primaryCpu[n] ? `, of which the primary ${median(primaryCpu[n]!).toFixed(0)}` : ""}\n`,
  );
}
