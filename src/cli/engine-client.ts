import type { TargetState } from "../routing/health.ts";
import { listenAddress } from "../config/address.ts";
import { readConfig } from "../settings/files.ts";

/** Where the configured engine listens (config.json's server, OPENTRACY_HOST/PORT), as a URL a client can reach. */
export function configuredEngineUrl(env: NodeJS.ProcessEnv = process.env): string {
  const { host, port } = listenAddress(readConfig().server, env);
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}`;
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
