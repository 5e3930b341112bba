// This checkout against another revision, interleaved on the same machine, in CPU µs per request:
// the steadiest figure on a noisy machine, where req/s moves ±20 % between runs of the same code.
//
//   bun scripts/bench/compare.ts --base <git rev> [--mode nonstream|stream] [--dialect openai|anthropic]
//                                [--rounds 6] [--seconds 3] [--env KEY=VALUE ...] [--base-env KEY=VALUE ...]
// --env sets variables for this checkout's engine only, --base-env for the base's, so a runtime
// setting (a BUN_JSC_ option, ClickHouse tracing against traces off) can be judged with
// `--base HEAD`; give both the same OPENTRACY_CLICKHOUSE_URL to judge a change to ClickHouse tracing.
// The base revision is checked out into a temporary git worktree (sharing this node_modules) and
// removed afterwards. Each round runs both engines, one after the other, against the same mock.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { engineEnv, envPairs, ROOT } from "./engine.ts";
import { wrkGenerator } from "./load/wrk.ts";
import { WRK_HINT } from "./load/index.ts";
import { cpuMicros, peakRssKb, resetPeakRss } from "./proc-stats.ts";
import { spawnServer, stopAll } from "./spawn.ts";
import { median } from "./stats.ts";
import { JSON_CT, MODELS, openaiBody, scenario } from "./workload.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    base: { type: "string" },
    mode: { type: "string", default: "nonstream" },
    dialect: { type: "string", default: "openai" },
    rounds: { type: "string", default: "6" },
    seconds: { type: "string", default: "3" },
    env: { type: "string", multiple: true, default: [] },
    "base-env": { type: "string", multiple: true, default: [] },
  },
});
if (!values.base) {
  process.stderr.write(
    "usage: bun scripts/bench/compare.ts --base <git rev> [--mode nonstream|stream] [--dialect openai|anthropic] [--rounds N] [--seconds S]\n",
  );
  process.exit(2);
}
const mode = values.mode === "stream" ? "stream" : "nonstream";
const dialect = values.dialect === "anthropic" ? "anthropic" : "openai";
const gen = wrkGenerator();
if (!gen) throw new Error(WRK_HINT);
const pin = Bun.which("taskset") !== null;

const worktree = join(mkdtempSync(join(tmpdir(), "opentracy-base-")), "tree");
execFileSync("git", ["worktree", "add", "--detach", worktree, values.base], { cwd: ROOT, stdio: "ignore" });
symlinkSync(join(ROOT, "node_modules"), join(worktree, "node_modules"));

/**
 * This checkout's files as they are now (tracked and new, changes included) in a fresh directory
 * too: run from its usual place against a base in a fresh one, the same code read ~7 MB lower in
 * peak RSS, every round (the CPU was the same).
 */
function copyOfCheckout(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "opentracy-head-")), "tree");
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT }).toString().split("\0");
  for (const file of files) {
    if (!file || !existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}
const head = copyOfCheckout();
const trees = { [`base (${values.base})`]: worktree, "this checkout": head };
const headEnv = envPairs(values.env);
const baseEnv = envPairs(values["base-env"]);
const cpu: Record<string, number[]> = {};
const rss: Record<string, number[]> = {};
const rps: Record<string, number[]> = {};
/**
 * A fresh engine's ClickHouse sink connects and checks its schema in the background, spooling
 * what arrives meanwhile and replaying it after: a start-up cost, not the steady state measured.
 */
async function tracesReady(origin: string): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const health = (await (await fetch(`${origin}/health`)).json()) as { traces?: { state?: string } };
    const state = health.traces?.state;
    if (state === undefined || state === "ok") return;
    if (Date.now() > until) throw new Error(`trace sink still "${state}" after 15 s`);
    await Bun.sleep(50);
  }
}

try {
  const mock = await spawnServer({
    name: "mock",
    cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
    core: pin ? 0 : null,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  const prefix = `${mock.url}${scenario(20, 0)}`;
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, root] of Object.entries(trees)) {
      const home = join(mkdtempSync(join(tmpdir(), "opentracy-compare-")), "home");
      mkdirSync(home, { mode: 0o700 });
      const engine = await spawnServer({
        name,
        cmd: [process.execPath, join(root, "bin/opentracy.ts"), "serve", "--port", "0"],
        cwd: root,
        core: pin ? 1 : null,
        env: engineEnv(home, prefix, root === head ? headEnv : baseEnv),
        ready: /listening on (http:\/\/[^\s]+)/,
      });
      await tracesReady(engine.url);
      const req = { url: `${engine.url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`${dialect}/${MODELS[dialect]}`, mode) };
      await gen.run({ req, connections: 50, durationS: 1, core: pin ? 0 : null });
      resetPeakRss(engine.pid);
      const c0 = cpuMicros(engine.pid);
      const r = await gen.run({ req, connections: 50, durationS: Number(values.seconds), core: pin ? 0 : null });
      (cpu[name] ??= []).push((cpuMicros(engine.pid) - c0) / r.requests);
      (rps[name] ??= []).push(r.rps);
      (rss[name] ??= []).push(peakRssKb(engine.pid) / 1024);
      await engine.stop();
      rmSync(join(home, ".."), { recursive: true, force: true });
    }
    process.stderr.write(
      `round ${round}: ${Object.keys(trees)
        .map((n) => `${n} ${cpu[n]!.at(-1)!.toFixed(0)} µs`)
        .join(", ")}\n`,
    );
  }
  await mock.stop();
} finally {
  await stopAll();
  execFileSync("git", ["worktree", "remove", "--force", worktree], { cwd: ROOT, stdio: "ignore" });
  rmSync(dirname(head), { recursive: true, force: true });
}
const [baseName, headName] = Object.keys(trees) as [string, string];
const line = (n: string) =>
  `${n.padEnd(28)} CPU ${median(cpu[n]!).toFixed(0).padStart(4)} µs/req (min ${Math.min(...cpu[n]!).toFixed(0)})  ${Math.round(median(rps[n]!))} req/s  peak RSS ${median(rss[n]!).toFixed(1)} MB`;
process.stdout.write(`${dialect} ${mode}, ${values.rounds} interleaved rounds, medians\n${line(baseName)}\n${line(headName)}\n`);
process.stdout.write(
  `this checkout / base: CPU per request ${(median(cpu[headName]!) / median(cpu[baseName]!)).toFixed(2)}×, req/s ${(median(rps[headName]!) / median(rps[baseName]!)).toFixed(2)}×, peak RSS ${(median(rss[headName]!) / median(rss[baseName]!)).toFixed(2)}×\n`,
);
