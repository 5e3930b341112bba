import { constants } from "node:os";
import { CliError } from "../output.ts";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs the command with the terminal's stdin, stdout and stderr (its streams pass through
 * untouched: we never read them), forwards the signals exec gets, and resolves with the exit code a
 * shell would report: its own, or 128 + the signal that killed it.
 */
export async function runChild(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  // Listening before the child exists: a signal that comes the moment it starts is still passed on.
  let child: ReturnType<typeof Bun.spawn> | undefined;
  const handlers = FORWARDED.map((s) => [s, () => child?.kill(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    child = Bun.spawn(argv, { env, stdin: "inherit", stdout: "inherit", stderr: "inherit" });
  } catch (e: any) {
    for (const [s, h] of handlers) process.off(s, h);
    throw new CliError(`cannot run '${argv[0]}': ${e?.code === "ENOENT" ? "command not found" : (e?.message ?? e)}`);
  }
  try {
    const code = await child.exited;
    if (child.signalCode) return 128 + (constants.signals[child.signalCode as keyof typeof constants.signals] ?? 0);
    return code;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}
