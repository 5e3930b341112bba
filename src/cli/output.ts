import { chalkStderr as chalk } from "chalk";

/** Messages go to stderr, so colour follows whether stderr is a terminal. */

/** An expected failure: printed as one line on stderr, exit code 1, no stack. */
export class CliError extends Error {}

export function fail(message: string): never {
  process.stderr.write(`${chalk.red("error:")} ${message}\n`);
  process.exit(1);
}

export function warn(message: string): void {
  process.stderr.write(`${chalk.yellow("warning:")} ${message}\n`);
}
