import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BIN = join(ROOT, "bin/opentracy.ts");

/** A fresh OPENTRACY_HOME; each test gets its own, so nothing leaks between them. */
export function tempHome(): string {
  return join(mkdtempSync(join(tmpdir(), "opentracy-test-")), "home");
}

/** The environment for a child: ours minus anything that could point it at real providers or another home, or tune Bun. */
export function childEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/_API_KEY$|_BASE_URL$|^OPENTRACY_|^AWS_|^AZURE_|^BUN_CONFIG_|^BUN_JSC_/.test(k)) continue;
    env[k] = v;
  }
  env.OPENTRACY_HOME = home;
  env.NO_COLOR = "1";
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a subprocess (bun running bin/opentracy.ts), stdin piped. */
export async function runCli(args: string[], opts: { home: string; stdin?: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, BIN, ...args], {
    cwd: ROOT,
    env: childEnv(opts.home, opts.env),
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
