import { selfCommand } from "./self-command.ts";

/**
 * Two runtime settings Bun reads only at start-up, which `serve` wants different from Bun's
 * defaults. So `serve` replaces itself, before it loads anything else (bin/opentracy.ts calls this
 * first), with the same program and arguments and these set: execve keeps the PID, the open stdio
 * and the parent, so a supervisor, `kill` or a test sees one process. A value the user set is
 * left alone.
 *
 * - BUN_CONFIG_MAX_HTTP_REQUESTS: Bun's fetch keeps at most 256 requests in flight per process
 *   (more wait in a queue, so the 257th concurrent stream gets its first byte only when another
 *   ends).
 * - BUN_JSC_forceRAMSize: JavaScriptCore sizes its heap's growth to the machine's memory, so on a
 *   server with gigabytes to spare it lets garbage pile up for tens of megabytes between
 *   collections. A gateway's live heap is a few megabytes; told the machine has 256 MiB, the
 *   collector keeps peak RSS at c=50 11–18 % lower for 4–5 % more CPU per request (compare.ts,
 *   README "Memory"). Half of that (128 MiB) made it collect so often that CPU per request rose 40 %.
 */
export const UPSTREAM_FETCH_LIMIT = 4096;
export const HEAP_RAM_HINT = 256 * 1024 * 1024;

export function serveRuntimeEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const missing: Record<string, string> = {};
  if (env.BUN_CONFIG_MAX_HTTP_REQUESTS === undefined) missing.BUN_CONFIG_MAX_HTTP_REQUESTS = String(UPSTREAM_FETCH_LIMIT);
  if (env.BUN_JSC_forceRAMSize === undefined) missing.BUN_JSC_forceRAMSize = String(HEAP_RAM_HINT);
  return missing;
}

export function applyServeRuntime(env: NodeJS.ProcessEnv = process.env): void {
  const missing = serveRuntimeEnv(env);
  if (Object.keys(missing).length === 0) return;
  const warn = (why: string): void => {
    process.stderr.write(
      `could not apply the engine's runtime settings (${why}); set ${Object.entries(missing)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")} to allow more than 256 concurrent upstream requests and keep the heap small\n`,
    );
  };
  if (typeof process.execve !== "function") {
    warn("this runtime has no execve");
    return;
  }
  try {
    process.execve(process.execPath, selfCommand(), { ...env, ...missing });
  } catch (e: any) {
    // Serving with Bun's defaults beats not serving.
    warn(String(e?.message ?? e));
  }
}
