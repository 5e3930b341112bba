// A ClickHouse server for target (d), only when both halves exist: an engine whose `serve` has
// --clickhouse, and a server to point it at: OPENTRACY_BENCH_CLICKHOUSE_URL (one you already
// run), or else the repo's scripts/chdb-server.ts (the chDB engine behind ClickHouse's HTTP
// interface) started here on a free port with a throw-away data directory.

import { rmSync } from "node:fs";
import { startChdbServer } from "../chdb-server.ts";
import { serveHelp } from "./engine.ts";

/** `pid`: the server's process when this machine runs it, so its CPU can be measured. */
export type ClickhouseSetup = { url: string; how: string; pid?: number; stop(): Promise<void> } | { unavailable: string };

const DATABASE = "opentracy_bench";
export const CLICKHOUSE_HINT = "scripts/chdb-server.ts needs the `chdb` devDependency (npm ci), or set OPENTRACY_BENCH_CLICKHOUSE_URL";

/** Moves a process we did not spawn ourselves (the helper detaches its server) onto a core. */
function pinPid(pid: number, core: number | null): void {
  if (core !== null) Bun.spawnSync(["taskset", "-a", "-p", "-c", String(core), String(pid)], { stdout: "ignore", stderr: "ignore" });
}

export async function setupClickhouse(core: number | null): Promise<ClickhouseSetup> {
  if (!/--clickhouse\b/.test(serveHelp())) return { unavailable: "`opentracy serve --help` has no --clickhouse flag in this version of the engine" };
  const given = process.env.OPENTRACY_BENCH_CLICKHOUSE_URL;
  if (given) return { url: given, how: "OPENTRACY_BENCH_CLICKHOUSE_URL", stop: async () => {} };
  try {
    const server = await startChdbServer();
    pinPid(server.pid, core);
    const stop = async () => {
      await server.stop();
      rmSync(server.dir, { recursive: true, force: true });
    };
    return { url: `${server.url}/${DATABASE}`, how: `scripts/chdb-server.ts (ClickHouse ${server.version}, chDB)`, pid: server.pid, stop };
  } catch (e: any) {
    return { unavailable: `no ClickHouse server (${CLICKHOUSE_HINT}): ${String(e?.message ?? e).split("\n")[0]}` };
  }
}
