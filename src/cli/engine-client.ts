import type { TargetState } from "../routing/health.ts";
import { listenAddress } from "../config/address.ts";
import { readConfig } from "../settings/files.ts";
import { CliError } from "./output.ts";

/** Where the configured engine listens (config.json's server, OPENTRACY_HOST/PORT), as a URL a client can reach. */
export function configuredEngineUrl(env: NodeJS.ProcessEnv = process.env): string {
  const { host, port } = listenAddress(readConfig().server, env);
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/**
 * The engine a command talks to (exec, replay): `--url`, else OPENTRACY_URL (`named`: the user
 * chose it, so it must answer), else the configured address. A bad URL is a one-line error.
 */
export function resolveEngineUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { url: string; named: boolean } {
  const given = flag ?? (env.OPENTRACY_URL || undefined);
  if (given === undefined) return { url: configuredEngineUrl(env), named: false };
  const url = given.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new CliError(`invalid engine URL '${given}': use http[s]://host:port`);
  return { url, named: true };
}

/** Why a call to the engine's JSON API failed, as one line for the user. */
export class EngineApiError extends Error {}

/**
 * A call to the engine's JSON API (/api/…) with `token` as the bearer when given; its JSON body.
 * Without a bearer (an engine open on loopback) a POST must show it is no cross-site form: the
 * CSRF header is always sent.
 */
export async function engineApi(url: string, path: string, token?: string, init: RequestInit = {}, ms = 30_000): Promise<any> {
  const headers: Record<string, string> = { "x-opentracy-csrf": "1", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { ...init, headers, signal: AbortSignal.timeout(ms) });
  } catch (e: any) {
    throw new EngineApiError(`the engine at ${url} did not answer (${e?.code ?? e?.name ?? e})`);
  }
  const body: any = await res.json().catch(() => null);
  if (!res.ok) {
    const hint = res.status === 401 ? "; set OPENTRACY_TOKEN to a token of this engine" : "";
    throw new EngineApiError(`${path.split("?")[0]} answered ${res.status}: ${body?.error?.message ?? "no message"}${hint}`);
  }
  return body;
}

/**
 * POST /api/traces/flush: answers once every trace the engine had queued is written, so a run's
 * calls that have ended can all be read back. `failing`: the store's writes fail, so they are
 * not (yet) stored. `queued` alone says nothing: other clients' traces arrive meanwhile.
 */
export async function flushEngineTraces(url: string, token?: string): Promise<{ failing: boolean }> {
  const body = await engineApi(url, "/api/traces/flush", token, { method: "POST" });
  return { failing: body?.failing === true };
}

/** The body of the engine's GET /health at `url`, or null when none answers within `ms` (the CLI must not hang on it). */
export async function probeEngine(url: string, ms = 500, headers: Record<string, string> = {}): Promise<any | null> {
  try {
    const res = await fetch(`${url}/health`, { headers, signal: AbortSignal.timeout(ms) });
    if (!res.ok) return null;
    const body: any = await res.json();
    return body?.status === "ok" ? body : null;
  } catch {
    return null;
  }
}

/**
 * Routing health lives in the running engine's memory; the CLI asks it over HTTP. null when no
 * engine answers on the configured address within a moment.
 */
export async function engineHealth(): Promise<Record<string, TargetState> | null> {
  return (await probeEngine(configuredEngineUrl()))?.routing?.targets ?? null;
}
