/**
 * This program and its arguments, as a command that runs it again: the compiled executable with
 * its arguments (argv[1] is then the embedded entry point, which the binary adds itself), or the
 * runtime with the script and its arguments.
 */
export function selfCommand(argv: readonly string[] = process.argv): string[] {
  const compiled = Bun.main.includes("$bunfs") || Bun.main.includes("~BUN");
  return [process.execPath, ...process.execArgv, ...(compiled ? argv.slice(2) : argv.slice(1))];
}
