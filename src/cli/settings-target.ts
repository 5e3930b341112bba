import { paths } from "../config/paths.ts";
import { readConfig } from "../settings/files.ts";
import { SharedSettingsStore } from "../settings/shared-store.ts";
import type { SettingsTarget } from "../settings/target.ts";
import { createTraceClient } from "../traces/clickhouse/client.ts";
import { parseClickHouseUrl, resolveClickHouseUrl } from "../traces/clickhouse/url.ts";
import { CliError } from "./output.ts";

/**
 * Where a CLI change goes: with a ClickHouse configured (OPENTRACY_CLICKHOUSE_URL, or
 * traces.clickhouse_url in config.json), its shared tables, exactly where the engines read them;
 * else the files. `run` closes the client after, so the command exits promptly.
 */
export async function withSettingsTarget<T>(run: (t: SettingsTarget) => Promise<T>): Promise<T> {
  const p = paths();
  const raw = resolveClickHouseUrl(undefined, process.env, readConfig(p).traces?.clickhouse_url);
  if (raw === undefined) return run({ p, env: process.env, shared: null });
  let target;
  try {
    target = parseClickHouseUrl(raw);
  } catch (e: any) {
    throw new CliError(`invalid ClickHouse URL: ${e.message}`);
  }
  const client = await createTraceClient(target, { timeoutMs: 5000 });
  try {
    return await run({ p, env: process.env, shared: new SharedSettingsStore(client, target.database, target.display) });
  } catch (e: any) {
    // The client's own errors carry no hint of where; the password never appears in `display`.
    if (e?.code === "ECONNREFUSED" || /ECONNREFUSED|timeout|socket/i.test(String(e?.message)))
      throw new CliError(`cannot reach the shared settings in ClickHouse at ${target.display} (${e?.code ?? e?.message}); nothing was changed`);
    throw e;
  } finally {
    await client.close();
  }
}
