import { ConfigFileError } from "../../config/files.ts";
import { ensureHome, paths } from "../../config/paths.ts";
import { createEngine, TraceTargetError } from "../../server/engine.ts";
import { startServer } from "../../server/http.ts";
import { drainEngine, drainHttp } from "../../server/shutdown.ts";
import { probeEngine, resolveEngineUrl } from "../engine-client.ts";
import { CliError } from "../output.ts";

/** The engine a run's calls go to: one already running, or one exec started and stops. */
export interface RunEngine {
  url: string;
  started: boolean;
  /** Whether the engine requires a token (one it started: it has tokens configured). */
  needsToken: boolean;
  /** Drains and stops an engine exec started (every trace written); nothing for a running one. */
  stop(): Promise<void>;
}

/**
 * `--url` or OPENTRACY_URL must answer (the user named it); else the configured address is used
 * when an engine answers there, and otherwise an engine is started in this process on a free
 * loopback port with the same OPENTRACY_HOME, for the duration of the command. `env` is exec's
 * own environment: the child's overrides never reach the engine, whose upstreams may be set by
 * the same variable names (OPENAI_BASE_URL).
 */
export async function engineForRun(url: string | undefined, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunEngine> {
  const engine = resolveEngineUrl(url, env);
  if (engine.named) {
    if (!(await probeEngine(engine.url, 2000))) throw new CliError(`no opentracy engine answers at ${engine.url}/health`);
    return { url: engine.url, started: false, needsToken: false, stop: async () => {} };
  }
  if (await probeEngine(engine.url)) return { url: engine.url, started: false, needsToken: false, stop: async () => {} };
  return startOwnEngine(env, log);
}

async function startOwnEngine(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunEngine> {
  const p = paths(env);
  ensureHome(p);
  let engine;
  try {
    engine = await createEngine(p, env, log, { listen: { host: "127.0.0.1", port: "0" }, requestLog: null });
  } catch (e) {
    if (e instanceof ConfigFileError) throw new CliError(`${e.message} (the engine did not start; the command was not run)`);
    if (e instanceof TraceTargetError) throw new CliError(`${e.message} (the engine did not start; the command was not run)`);
    throw e;
  }
  const http = startServer(engine, "127.0.0.1", 0);
  engine.writer.start();
  const grace = engine.settings.current.config.server?.shutdown_timeout_ms ?? 30_000;
  return {
    url: `http://127.0.0.1:${http.port}`,
    started: true,
    needsToken: engine.settings.current.tokens.size > 0,
    stop: () => drainEngine(engine, () => drainHttp(engine, http, grace, log)),
  };
}
