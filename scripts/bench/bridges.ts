// The inbound bridges against a chat completion through the same provider, in one engine, in
// interleaved rounds: Messages in → OpenAI out against chat → OpenAI, and Responses in →
// Anthropic out against chat → Anthropic (issue 17's target: at least 0.8× the throughput).
//
//   bun scripts/bench/bridges.ts [--mode nonstream|stream] [--rounds 4] [--seconds 3]

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { engineEnv, ROOT } from "./engine.ts";
import { wrkGenerator } from "./load/wrk.ts";
import { WRK_HINT } from "./load/index.ts";
import { cpuMicros } from "./proc-stats.ts";
import { spawnServer, stopAll } from "./spawn.ts";
import { median } from "./stats.ts";
import { ANTHROPIC_HEADERS, JSON_CT, MODELS, openaiBody, anthropicBody, scenario } from "./workload.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    mode: { type: "string", default: "nonstream" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "3" },
  },
});
const mode = values.mode === "stream" ? "stream" : "nonstream";
const gen = wrkGenerator();
if (!gen) throw new Error(WRK_HINT);
const pin = Bun.which("taskset") !== null;

const responsesBody = (model: string) =>
  JSON.stringify({
    model,
    instructions: "You are terse.",
    input: "Say hello.",
    max_output_tokens: 64,
    ...(mode === "stream" ? { stream: true } : {}),
  });

const cases = {
  "chat → openai": (url: string) => ({ url: `${url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`openai/${MODELS.openai}`, mode) }),
  "messages → openai": (url: string) => ({ url: `${url}/v1/messages`, headers: ANTHROPIC_HEADERS, body: anthropicBody(`openai/${MODELS.openai}`, mode) }),
  "chat → anthropic": (url: string) => ({ url: `${url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`anthropic/${MODELS.anthropic}`, mode) }),
  "responses → anthropic": (url: string) => ({ url: `${url}/v1/responses`, headers: JSON_CT, body: responsesBody(`anthropic/${MODELS.anthropic}`) }),
};
type Case = keyof typeof cases;
const rps: Partial<Record<Case, number[]>> = {};
const cpu: Partial<Record<Case, number[]>> = {};

try {
  const mock = await spawnServer({
    name: "mock",
    cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
    core: pin ? 0 : null,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  const home = join(mkdtempSync(join(tmpdir(), "opentracy-bridges-")), "home");
  mkdirSync(home, { mode: 0o700 });
  const engine = await spawnServer({
    name: "engine",
    cmd: [process.execPath, join(ROOT, "bin/opentracy.ts"), "serve", "--port", "0", "--quiet"],
    cwd: ROOT,
    core: pin ? 1 : null,
    env: engineEnv(home, `${mock.url}${scenario(20, 0)}`),
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, make] of Object.entries(cases) as [Case, (typeof cases)[Case]][]) {
      const req = make(engine.url);
      await gen.run({ req, connections: 50, durationS: 1, core: pin ? 0 : null });
      const c0 = cpuMicros(engine.pid);
      const r = await gen.run({ req, connections: 50, durationS: Number(values.seconds), core: pin ? 0 : null });
      // A bridge that answers errors fast would look fast: every answer must be a 2xx.
      if (r.non2xx) throw new Error(`${name}: ${r.non2xx} answers were not 2xx`);
      (rps[name] ??= []).push(r.rps);
      (cpu[name] ??= []).push((cpuMicros(engine.pid) - c0) / r.requests);
    }
    process.stderr.write(`round ${round} done\n`);
  }
  await engine.stop();
  await mock.stop();
  rmSync(join(home, ".."), { recursive: true, force: true });
} finally {
  await stopAll();
}

const m = (x: number[] | undefined) => median(x!);
process.stdout.write(`${mode}, ${values.rounds} interleaved rounds, medians\n`);
for (const name of Object.keys(cases) as Case[]) {
  process.stdout.write(`${name.padEnd(24)} ${Math.round(m(rps[name])).toString().padStart(6)} req/s  ${m(cpu[name]).toFixed(0).padStart(4)} µs CPU/req\n`);
}
process.stdout.write(
  `messages → openai / chat → openai: ${(m(rps["messages → openai"]) / m(rps["chat → openai"])).toFixed(2)}× req/s\n` +
    `responses → anthropic / chat → anthropic: ${(m(rps["responses → anthropic"]) / m(rps["chat → anthropic"])).toFixed(2)}× req/s\n`,
);
