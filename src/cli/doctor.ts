import { Chalk } from "chalk";
import type { Command } from "commander";
import { paths } from "../config/paths.ts";
import type { Check } from "./doctor/check.ts";
import { checkFiles } from "./doctor/files.ts";
import { checkOnline, checkProviders } from "./doctor/providers.ts";
import { checkClickHouse, checkPort } from "./doctor/services.ts";

/** Every check, in the order a new user would fix things: files, keys, keys online, traces, port. */
export async function runChecks(env: NodeJS.ProcessEnv, opts: { online: boolean }): Promise<Check[]> {
  const files = await checkFiles(paths(env), env);
  const providers = checkProviders(files, env);
  const [online, clickhouse, port] = await Promise.all([
    opts.online ? checkOnline(providers.ready) : Promise.resolve([]),
    checkClickHouse(files.config, env),
    checkPort(files.config, env),
  ]);
  return [...files.checks, ...providers.checks, ...online, clickhouse, port];
}

// Symbols and colour on a terminal; plain words when piped or NO_COLOR is set, so logs and greps read well.
function render(checks: Check[], fancy: boolean): string {
  const c = new Chalk({ level: fancy ? 1 : 0 });
  const mark = (ok: Check["ok"]) =>
    ok === true ? (fancy ? c.green("✓") : "ok  ") : ok === false ? (fancy ? c.red("✗") : "FAIL") : fancy ? c.dim("-") : "--  ";
  const w = Math.max(...checks.map((k) => k.area.length));
  const lines = checks.map((k) => {
    const line = `${mark(k.ok)} ${k.area.padEnd(w)}  ${k.message}${k.ok === false && !k.blocking ? " (not blocking)" : ""}`;
    return k.fix && k.ok !== true ? `${line}\n${" ".repeat(fancy ? 2 : 5)}${" ".repeat(w + 2)}${fancy ? c.cyan("fix:") : "fix:"} ${k.fix}` : line;
  });
  const blocking = checks.filter((k) => k.ok === false && k.blocking).length;
  const summary = blocking ? `${blocking} problem${blocking > 1 ? "s" : ""} to fix before serving` : "ready to serve";
  return `${lines.join("\n")}\n\n${summary}\n`;
}

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check the setup (home folder, files, provider keys, ClickHouse, port) and print the fix for each problem")
    .option("--online", "also make one authenticated request per configured provider (its latency, and whether the key is accepted)")
    .option("--json", "one JSON object: {ok, checks: [{area, ok, blocking, message, fix, latency_ms}]}")
    .action(async (opts: { online?: boolean; json?: boolean }) => {
      const checks = await runChecks(process.env, { online: opts.online === true });
      const ok = !checks.some((k) => k.ok === false && k.blocking);
      if (opts.json) process.stdout.write(`${JSON.stringify({ ok, checks })}\n`);
      else process.stdout.write(render(checks, process.stdout.isTTY === true && !process.env.NO_COLOR));
      // Exit 1 means "serve would not work as configured": scripts and CI can gate on it.
      process.exitCode = ok ? 0 : 1;
    });
}
