import { selfCommand } from "./self-command.ts";

/**
 * Bun's fetch keeps at most 256 requests in flight per process (more wait in a queue, so the
 * 257th concurrent stream gets its first byte only when another ends) and reads the limit from
 * BUN_CONFIG_MAX_HTTP_REQUESTS only at start-up. `serve` therefore replaces itself, before it
 * loads anything else (bin/opentracy.ts calls this first), with the same program and arguments and the limit raised: execve keeps the
 * PID, the open stdio and the parent, so a supervisor, `kill` or a test sees one process. A limit
 * the user set is left alone.
 */
export const UPSTREAM_FETCH_LIMIT = 4096;

export function raiseFetchLimit(env: NodeJS.ProcessEnv = process.env): void {
  if (env.BUN_CONFIG_MAX_HTTP_REQUESTS !== undefined) return;
  const warn = (why: string): void => {
    process.stderr.write(
      `could not raise the upstream fetch limit (${why}); set BUN_CONFIG_MAX_HTTP_REQUESTS=${UPSTREAM_FETCH_LIMIT} to allow more than 256 concurrent upstream requests\n`,
    );
  };
  if (typeof process.execve !== "function") {
    warn("this runtime has no execve");
    return;
  }
  try {
    process.execve(process.execPath, selfCommand(), { ...env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(UPSTREAM_FETCH_LIMIT) });
  } catch (e: any) {
    // Serving with Bun's default limit beats not serving.
    warn(String(e?.message ?? e));
  }
}
