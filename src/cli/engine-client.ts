import type { TargetState } from "../routing/health.ts";
import { listenAddress } from "../config/address.ts";
import { readConfig } from "../settings/files.ts";

/**
 * Routing health lives in the running engine's memory; the CLI asks it over HTTP. null when no
 * engine answers on the configured address within a moment (the CLI must not hang on it).
 */
export async function engineHealth(): Promise<Record<string, TargetState> | null> {
  const { host, port } = listenAddress(readConfig().server, process.env);
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  try {
    const res = await fetch(`http://${h}:${port}/health`, { signal: AbortSignal.timeout(500) });
    if (!res.ok) return null;
    const body: any = await res.json();
    return body?.routing?.targets ?? null;
  } catch {
    return null;
  }
}

/**
 * The running engine's base URL (no trailing slash) for commands that send it requests:
 * OPENTRACY_URL when set (an engine elsewhere, or behind a proxy), else the configured listen
 * address, over https when the config gives the engine a certificate.
 */
export function engineUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPENTRACY_URL) return env.OPENTRACY_URL.replace(/\/+$/, "");
  const server = readConfig().server;
  const { host, port } = listenAddress(server, env);
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `${server?.tls_cert ? "https" : "http"}://${h}:${port}`;
}
