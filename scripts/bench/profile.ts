// Profiles the engine's hot path: opentracy under `bun --cpu-prof`, loaded by wrk against the
// bench mock for a fixed time, then the functions ranked by self and inclusive CPU time.
//
//   bun scripts/bench/profile.ts [--dialect openai|anthropic] [--mode nonstream|stream]
//                                [--seconds 10] [--chunks 20] [--top 40] [--interval-us 200]
//                                [--env KEY=VALUE ...]
// --env sets variables for the engine (OPENTRACY_CLICKHOUSE_URL=… profiles ClickHouse tracing).
// The raw .cpuprofile (open it in Chrome DevTools or speedscope) stays in the printed directory.

import { serveRuntimeEnv } from "../../src/cli/serve-runtime.ts";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { rankProfile } from "./cpuprofile.ts";
import { envPairs, ROOT, startEngine } from "./engine.ts";
import { wrkGenerator } from "./load/wrk.ts";
import { WRK_HINT } from "./load/index.ts";
import { cpuMicros } from "./proc-stats.ts";
import { spawnServer, stopAll } from "./spawn.ts";
import { JSON_CT, MODELS, openaiBody } from "./workload.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    dialect: { type: "string", default: "openai" },
    mode: { type: "string", default: "nonstream" },
    seconds: { type: "string", default: "10" },
    chunks: { type: "string", default: "20" },
    top: { type: "string", default: "40" },
    "interval-us": { type: "string", default: "200" },
    concurrency: { type: "string", default: "50" },
    env: { type: "string", multiple: true, default: [] },
  },
});
const dialect = values.dialect === "anthropic" ? "anthropic" : "openai";
const mode = values.mode === "stream" ? "stream" : "nonstream";
const seconds = Number(values.seconds);
const gen = wrkGenerator();
if (!gen) throw new Error(WRK_HINT);

const dir = mkdtempSync(join(tmpdir(), "opentracy-profile-"));
const pin = Bun.which("taskset") !== null;
try {
  const mock = await spawnServer({
    name: "mock",
    cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
    core: pin ? 0 : null,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  const engine = await startEngine({
    name: "opentracy (profiled)",
    upstream: mock.url,
    chunks: Number(values.chunks),
    core: pin ? 1 : null,
    // Set here, serve's runtime settings mean it does not re-exec itself (serve-runtime.ts): an execve
    // under the profiler's sampling signals killed the engine now and then (exit 158) before it listened.
    env: { ...serveRuntimeEnv({}), ...envPairs(values.env) },
    bunFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${values["interval-us"]}`],
  });
  const req = { url: `${engine.url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`${dialect}/${MODELS[dialect]}`, mode) };
  await gen.run({ req, connections: Number(values.concurrency), durationS: 2, core: pin ? 0 : null });
  const cpu0 = cpuMicros(engine.pid);
  const r = await gen.run({ req, connections: Number(values.concurrency), durationS: seconds, core: pin ? 0 : null });
  const cpuPerReq = (cpuMicros(engine.pid) - cpu0) / r.requests;
  // SIGTERM: the engine flushes traces and exits, and bun writes the profile on exit.
  await engine.stop();
  await mock.stop();
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir} (did the engine exit cleanly?)`);
  const { totalUs, rows } = rankProfile(join(dir, file), ROOT);
  const requests = r.requests + Math.round(r.rps * 2); // the warm-up is in the profile too
  const fmt = (us: number) => `${(us / requests).toFixed(1).padStart(7)} µs/req ${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
  const top = Number(values.top);
  process.stdout.write(
    `${dialect} ${mode}: ${Math.round(r.rps)} req/s under profiling, ${cpuPerReq.toFixed(0)} µs CPU per request (whole process, all threads)\n`,
  );
  process.stdout.write(`profile: ${join(dir, file)}; sampled JS-thread time ${(totalUs / 1e6).toFixed(1)} s over ~${requests} requests\n\n`);
  process.stdout.write("by self time\n");
  for (const row of [...rows].sort((a, b) => b.selfUs - a.selfUs).slice(0, top)) process.stdout.write(`  ${fmt(row.selfUs)}  ${row.key}\n`);
  process.stdout.write("\nby inclusive time (project code and its direct dependencies)\n");
  for (const row of [...rows]
    .filter((x) => /src\/|node_modules/.test(x.key))
    .sort((a, b) => b.totalUs - a.totalUs)
    .slice(0, top))
    process.stdout.write(`  ${fmt(row.totalUs)}  ${row.key}\n`);
} finally {
  await stopAll();
}
