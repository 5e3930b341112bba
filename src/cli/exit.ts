import { CommanderError } from "commander";
import { ConfigFileError } from "../config/files.ts";
import { SettingsError } from "../settings/changes.ts";
import { SealError } from "../settings/seal.ts";
import { Cancelled, CliError, fail } from "./output.ts";

/**
 * Every way out of the CLI goes through here, so no failure prints a stack (or, from the compiled
 * binary, a page of bundled source): an expected error is its one line; anything else is one line
 * naming what failed, with the stack only under `--verbose` or OPENTRACY_DEBUG=1. A closed output
 * pipe (`opentracy keys list | head -1`) is a normal end, and a cancelled prompt exits 130.
 */
export function exitOnError(e: unknown, verbose: boolean): never {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (isClosedPipe(e)) process.exit(0);
  if (e instanceof Cancelled) fail("cancelled", 130);
  if (e instanceof CliError) fail(e.message);
  if (e instanceof ConfigFileError || e instanceof SealError || e instanceof SettingsError) fail(e.message);
  const err = e instanceof Error ? e : new Error(String(e));
  if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
  fail(verbose ? oneLine(err) : `${oneLine(err)} (OPENTRACY_DEBUG=1 shows the stack)`);
}

/** The first line of the message, with the system's error code where there is one (EACCES, ENOTDIR). */
function oneLine(err: Error): string {
  const first = (err.message || err.name).split("\n")[0];
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

export function isClosedPipe(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "EPIPE";
}

/** Errors that escape every await (a stream's error event, a rejected promise nobody awaited) end the same way. */
export function guardProcess(verbose: boolean): void {
  const onError = (e: unknown) => exitOnError(e, verbose);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: unknown) => {
      if (isClosedPipe(e)) process.exit(0);
      onError(e);
    });
  }
}

/**
 * `--verbose` may stand anywhere on the line before a `--`; it is taken out before commander parses
 * the rest. After `--` the words are another program's (`opentracy exec -- pytest --verbose`).
 */
export function takeVerbose(argv: string[], env: NodeJS.ProcessEnv): { argv: string[]; verbose: boolean } {
  const end = argv.indexOf("--");
  const ours = end < 0 ? argv : argv.slice(0, end);
  const kept = ours.filter((a) => a !== "--verbose");
  const rest = end < 0 ? kept : kept.concat(argv.slice(end));
  return { argv: rest, verbose: kept.length !== ours.length || /^(1|true|yes|on)$/i.test(env.OPENTRACY_DEBUG ?? "") };
}
