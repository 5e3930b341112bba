import type { ClickHouseClient } from "@clickhouse/client";
import type { ClickHouseTarget } from "./url.ts";

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The official client over HTTP. Its own logger is off: it prints the settings of failed
 * queries to the console, and every failure here is already reported once, scrubbed, by the sink.
 * Loaded on first use: an engine with the local store never pays the client's ~7 MB of memory.
 */
export async function createTraceClient(target: ClickHouseTarget, opts: { timeoutMs?: number } = {}): Promise<ClickHouseClient> {
  const { ClickHouseLogLevel, createClient } = await import("@clickhouse/client");
  return createClient({
    url: target.origin,
    username: target.username,
    password: target.password,
    application: "opentracy",
    request_timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    max_open_connections: 4,
    log: { level: ClickHouseLogLevel.OFF },
  });
}
