// Starting opentracy the way a user does (`opentracy serve`), pointed at the mock, in a temporary
// OPENTRACY_HOME so no real key, config or trace store is touched.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { spawnServer, type Child } from "./spawn.ts";
import { scenario } from "./workload.ts";

export const ROOT = resolve(import.meta.dir, "../..");
const BIN = join(ROOT, "bin/opentracy.ts");

export interface EngineOptions {
  name: string;
  /** mock origin, http://127.0.0.1:P */
  upstream: string;
  chunks: number;
  delayMs?: number;
  core: number | null;
  args?: string[];
  env?: Record<string, string>;
  /** extra flags for bun itself (e.g. --cpu-prof) */
  bunFlags?: string[];
}

/** Our environment minus anything that could point the engine at real providers or another home. */
export function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /_API_KEY$|_BASE_URL$|^OPENTRACY_|^AWS_|^AZURE_|^BUN_CONFIG_|^BUN_JSC_/.test(k)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** An engine's environment in the bench: its own home, and both dialects pointed at the mock under `prefix`. */
export function engineEnv(home: string, prefix: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return cleanEnv({
    OPENTRACY_HOME: home,
    NO_COLOR: "1",
    OPENAI_BASE_URL: `${prefix}/v1`,
    OPENAI_API_KEY: "sk-bench",
    ANTHROPIC_BASE_URL: prefix,
    ANTHROPIC_API_KEY: "bench-key",
    ...extra,
  });
}

/** `KEY=VALUE` arguments (--env) as an environment; the value may itself hold "=". */
export function envPairs(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

export interface Engine extends Child {
  home: string;
}

export async function startEngine(o: EngineOptions): Promise<Engine> {
  const home = join(mkdtempSync(join(tmpdir(), "opentracy-bench-")), "home");
  const prefix = `${o.upstream}${scenario(o.chunks, o.delayMs ?? 0)}`;
  const child = await spawnServer({
    name: o.name,
    cmd: [process.execPath, ...(o.bunFlags ?? []), BIN, "serve", "--port", "0", ...(o.args ?? [])],
    cwd: ROOT,
    env: engineEnv(home, prefix, o.env),
    core: o.core,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  const stop = child.stop;
  // A million traces are most of a gigabyte: the temporary home goes when the engine does.
  child.stop = async () => {
    await stop();
    rmSync(dirname(home), { recursive: true, force: true });
  };
  return Object.assign(child, { home });
}

/** `opentracy serve --help`, to learn which flags this version of the engine has. */
export function serveHelp(): string {
  const r = Bun.spawnSync([process.execPath, BIN, "serve", "--help"], { cwd: ROOT, env: cleanEnv({ NO_COLOR: "1" }) });
  return r.stdout.toString() + r.stderr.toString();
}
