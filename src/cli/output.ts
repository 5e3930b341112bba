import { chalkStderr as chalk } from "chalk";

/** Messages go to stderr, so colour follows whether stderr is a terminal. */

/** An expected failure: printed as one line on stderr, exit code 1, no stack. */
export class CliError extends Error {}

/** The user cancelled (Ctrl-C at a prompt): exit 130, as a shell reports SIGINT. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${chalk.red("error:")} ${message}\n`);
  process.exit(code);
}

export function warn(message: string): void {
  process.stderr.write(`${chalk.yellow("warning:")} ${message}\n`);
}
