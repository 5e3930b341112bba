import { createClient, type ClickHouseClient } from "@clickhouse/client";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChdbServer, type ClickHouseServer } from "../../scripts/chdb-server.ts";
import { createTraceClient } from "../../src/traces/clickhouse/client.ts";
import { clientInserter, httpInserter, type Inserter } from "../../src/traces/clickhouse/insert.ts";
import { parseClickHouseUrl } from "../../src/traces/clickhouse/url.ts";

/**
 * The real ClickHouse engine the tests run against: chDB (ClickHouse 26.x, npm `chdb`, a
 * devDependency, so it is there wherever the tests are) in two arrangements:
 * - embedded in this process, plugged into @clickhouse/client (chdb/connection);
 * - as a server: scripts/chdb-server.ts runs it in a child process behind ClickHouse's HTTP
 *   interface on a free port, with a data directory that survives a kill, so the engine as a
 *   subprocess, the fetch inserter and the fault tests talk HTTP to a process they can kill.
 * Nothing is skipped: an engine that cannot load fails its tests.
 */

let chdbDir: string | null = null;
let chdbClient: ClickHouseClient | null = null;

/**
 * One embedded chDB per test process (libchdb binds one data directory per process). The client
 * handed out ignores close(), so a sink closing "its" client does not pull the engine from under
 * the next test; each test uses its own database instead.
 */
export async function chdb(): Promise<ClickHouseClient> {
  if (!chdbClient) {
    const { createChdbConnection } = await import("chdb/connection");
    chdbDir = mkdtempSync(join(tmpdir(), "opentracy-chdb-"));
    const real = createClient({ connection: createChdbConnection({ path: chdbDir }) } as any);
    chdbClient = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === "close") return async () => {};
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }
  return chdbClient;
}

let dbSeq = 0;
export function uniqueDatabase(prefix = "t"): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${dbSeq++}`;
}

export interface RunningServer extends ClickHouseServer {
  client(): Promise<ClickHouseClient>;
  /** Starts it again on the same port and data after stop() or kill9(). */
  restart(): Promise<void>;
  /** Stops it for good and removes its data directory. */
  dispose(): Promise<void>;
}

/** ClickHouse as a server process on a free port with a throwaway data directory. */
export async function startServer(opts: { queryLog?: boolean } = {}): Promise<RunningServer> {
  let s = await startChdbServer({ password: `pw-${Math.random().toString(36).slice(2, 10)}@x`, queryLog: opts.queryLog });
  const server: RunningServer = {
    ...s,
    client: () => createTraceClient(parseClickHouseUrl(`${s.url}/default`)),
    stop: () => s.stop(),
    kill9: () => s.kill9(),
    async restart() {
      s = await startChdbServer({ dir: s.dir, port: s.port, password: s.password, queryLog: opts.queryLog });
      server.pid = s.pid;
    },
    async dispose() {
      await s.stop();
      rmSync(s.dir, { recursive: true, force: true });
    },
  };
  return server;
}

export async function count(client: ClickHouseClient, sql: string): Promise<number> {
  const rs = await client.query({ query: sql, format: "JSONEachRow" });
  const [row] = (await rs.json()) as Record<string, unknown>[];
  return Number(Object.values(row ?? { n: 0 })[0]);
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `ms`. The
 * deadline is on the monotonic clock: this machine's wall clock has been seen to jump, and a CI
 * run failed a 1.4 s test as "timed out after 15000 ms".
 */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000, what = "condition"): Promise<T> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message ?? last}` : ""}`);
    await new Promise((r) => setTimeout(r, 50)); // polling with a deadline: there is no event to wait on
  }
}

export interface Backend {
  name: string;
  /** A client for this backend; for the server, started on first use and shared by the file. */
  client(): Promise<ClickHouseClient>;
  /** How the engine inserts into this backend: over HTTP with fetch for the server. */
  inserter(database: string): Promise<Inserter>;
  /** The server, when the backend is one (fault injection needs its process). */
  server?: () => Promise<RunningServer>;
  close(): Promise<void>;
}

/** Both arrangements, for `for (const b of backends()) describe(b.name, ...)`. */
export function backends(): Backend[] {
  let server: Promise<RunningServer> | null = null;
  const getServer = () => (server ??= startServer());
  let serverClient: ClickHouseClient | null = null;
  return [
    { name: "chDB (ClickHouse 26.x in process)", client: chdb, inserter: async (db) => clientInserter(await chdb(), db), close: async () => {} },
    {
      name: "ClickHouse 26.x server over HTTP (scripts/chdb-server.ts)",
      server: getServer,
      client: async () => (serverClient ??= await (await getServer()).client()),
      inserter: async (db) => httpInserter(parseClickHouseUrl(`${(await getServer()).url}/${db}`)),
      close: async () => {
        await serverClient?.close();
        if (server) await (await server).dispose();
      },
    },
  ];
}
