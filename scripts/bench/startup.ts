// Start-up to listening, from source and from the compiled binary, and the binary's size: the
// figures the UI and new endpoints must not make grow. Each start is a fresh home on port 0,
// timed from spawn to the "listening on" line, then stopped with SIGTERM.
//   bun scripts/bench/startup.ts [--runs 10]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "../build.ts";
import { cleanEnv, ROOT } from "./engine.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: "string", default: "10" } } });
const runs = Number(values.runs);

async function timeToListen(cmd: string[]): Promise<number> {
  const home = join(mkdtempSync(join(tmpdir(), "opentracy-startup-")), "home");
  const t0 = performance.now();
  const proc = Bun.spawn([...cmd, "serve", "--port", "0", "--quiet"], {
    cwd: ROOT,
    env: cleanEnv({ OPENTRACY_HOME: home, NO_COLOR: "1" }),
    stdout: "pipe",
    stderr: "ignore",
    stdin: "ignore",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let out = "";
  while (!out.includes("listening on")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`engine exited before listening:\n${out}`);
    out += decoder.decode(value);
  }
  const ms = performance.now() - t0;
  proc.kill("SIGTERM");
  await proc.exited;
  rmSync(join(home, ".."), { recursive: true, force: true });
  return ms;
}

async function measure(name: string, cmd: string[]): Promise<void> {
  await timeToListen(cmd); // warm the page cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeToListen(cmd));
  process.stdout.write(
    `${name.padEnd(16)} start to listening: median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms (${runs} runs)\n`,
  );
}

const bin = join(mkdtempSync(join(tmpdir(), "opentracy-startup-bin-")), "opentracy");
await compile(bin);
process.stdout.write(`compiled binary: ${(statSync(bin).size / 1024 / 1024).toFixed(1)} MB\n`);
await measure("from source", [process.execPath, join(ROOT, "bin/opentracy.ts")]);
await measure("compiled binary", [bin]);
rmSync(join(bin, ".."), { recursive: true, force: true });
