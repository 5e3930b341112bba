import { join } from "node:path";
import { paths } from "../../config/paths.ts";
import { createTraceClient } from "../../traces/clickhouse/client.ts";
import { ClickHouseTraceQueries } from "../../traces/clickhouse/queries.ts";
import { clickHouseProblem } from "../../traces/clickhouse/url.ts";
import { LocalIndex } from "../../traces/local-index/index.ts";
import { LocalTraceQueries } from "../../traces/local-index/queries.ts";
import type { TraceQueries } from "../../traces/queries.ts";
import { CliError } from "../output.ts";
import { clickhouseTarget } from "../traces.ts";

export interface TraceStore {
  queries: TraceQueries;
  /** Where the traces are, for messages: the ClickHouse address (no password) or the local folder. */
  display: string;
  /** A store's failure as one line for the user. */
  describe(e: unknown): string;
  close(): Promise<void>;
}

/**
 * The store the engine writes to, read with the queries the UI uses: ClickHouse when one is
 * configured, else the local index (brought up to date with the JSON lines on each query).
 */
export async function openTraceStore(): Promise<TraceStore> {
  const target = clickhouseTarget();
  if (target) {
    const client = await createTraceClient(target, { timeoutMs: 60_000 });
    return {
      queries: new ClickHouseTraceQueries(client, target.database),
      display: target.display,
      describe: (e: any) => clickHouseProblem(e, target),
      close: () => client.close().catch(() => {}),
    };
  }
  const dir = paths().traces;
  let index: LocalIndex;
  try {
    index = new LocalIndex(dir, join(dir, "index.sqlite"));
    // The engine may be indexing the same file for the UI: wait for its write rather than fail.
    index.db.run("PRAGMA busy_timeout = 10000");
  } catch (e: any) {
    throw new CliError(`cannot open the trace index in ${dir}: ${e?.message ?? e}`);
  }
  return {
    queries: new LocalTraceQueries(index),
    display: dir,
    describe: (e: any) => `the trace store in ${dir}: ${String(e?.message ?? e).split("\n")[0]}`,
    close: async () => index.close(),
  };
}
