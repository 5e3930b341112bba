import type { Config } from "./schema.ts";

/**
 * Where the engine listens: flag, then OPENTRACY_HOST/OPENTRACY_PORT, then config.json `server`,
 * then 127.0.0.1:8080. One rule for `serve` and for the CLI commands that ask a running engine.
 */
export function listenAddress(server: Config["server"], env: NodeJS.ProcessEnv, flags: { host?: string; port?: string } = {}): { host: string; port: string } {
  return {
    host: flags.host ?? env.OPENTRACY_HOST ?? server?.host ?? "127.0.0.1",
    port: flags.port ?? env.OPENTRACY_PORT ?? String(server?.port ?? 8080),
  };
}
