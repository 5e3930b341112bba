// A ClickHouse server for target (d), only when both halves exist: an engine whose `serve` has
// --clickhouse, and a server to point it at. A server is, in order: OPENTRACY_BENCH_CLICKHOUSE_URL
// (one you already run), the repo's scripts/clickhouse-server.ts helper, or Debian's
// clickhouse-server started here on a free port with a throw-away data directory.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, serveHelp } from "./engine.ts";
import { freePort, spawnServer, waitHttp, type Child } from "./spawn.ts";

/** `pid`: the server's process when this machine runs it, so its CPU can be measured. */
export type ClickhouseSetup = { url: string; how: string; pid?: number; stop(): Promise<void> } | { unavailable: string };

const DATABASE = "opentracy_bench";
export const CLICKHOUSE_HINT = "on Debian: sudo apt-get install -y clickhouse-server, or set OPENTRACY_BENCH_CLICKHOUSE_URL";

function configFiles(dir: string, port: number): string {
  // Old (Debian 18.x) and new servers both read <yandex>/<clickhouse> roots with these keys;
  // only the HTTP port is opened, on loopback.
  const cfg = join(dir, "config.xml");
  writeFileSync(
    cfg,
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>${port}</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
`,
  );
  writeFileSync(
    join(dir, "users.xml"),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default/></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default/></quotas>
</yandex>
`,
  );
  return cfg;
}

async function createDatabase(httpOrigin: string): Promise<void> {
  const res = await fetch(`${httpOrigin}/`, { method: "POST", body: `CREATE DATABASE IF NOT EXISTS ${DATABASE}`, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`CREATE DATABASE failed: ${res.status} ${await res.text()}`);
}

async function startDebianServer(core: number | null): Promise<{ child: Child; origin: string }> {
  const bin = Bun.which("clickhouse-server") ?? (existsSync("/usr/sbin/clickhouse-server") ? "/usr/sbin/clickhouse-server" : null);
  if (!bin) throw new Error(`clickhouse-server is not installed (${CLICKHOUSE_HINT})`);
  const dir = mkdtempSync(join(tmpdir(), "opentracy-bench-ch-"));
  const port = freePort();
  const child = await spawnServer({
    name: "clickhouse-server",
    cmd: [bin, `--config-file=${configFiles(dir, port)}`],
    cwd: dir,
    core,
    // The server prints nothing useful on ready at warning level; the port itself is the signal.
    ready: /(Logging)/,
    mapUrl: () => `http://127.0.0.1:${port}`,
  });
  await waitHttp(`${child.url}/ping`);
  const stop = child.stop;
  child.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { child, origin: child.url };
}

/** Moves a process we did not spawn ourselves (the helper detaches its server) onto a core. */
function pinPid(pid: number, core: number | null): void {
  if (core !== null) Bun.spawnSync(["taskset", "-a", "-p", "-c", String(core), String(pid)], { stdout: "ignore", stderr: "ignore" });
}

export async function setupClickhouse(core: number | null): Promise<ClickhouseSetup> {
  if (!/--clickhouse\b/.test(serveHelp())) return { unavailable: "`opentracy serve --help` has no --clickhouse flag in this version of the engine" };
  const given = process.env.OPENTRACY_BENCH_CLICKHOUSE_URL;
  if (given) return { url: given, how: "OPENTRACY_BENCH_CLICKHOUSE_URL", stop: async () => {} };
  try {
    const helper = join(ROOT, "scripts/clickhouse-server.ts");
    if (existsSync(helper)) {
      // The repo's own helper (shared with the tests) knows every server version we support.
      const mod: any = await import(helper);
      if (typeof mod.startClickHouseServer === "function") {
        const server = await mod.startClickHouseServer({});
        pinPid(server.pid, core);
        const stop = async () => {
          await server.stop();
          rmSync(server.dir, { recursive: true, force: true });
        };
        return { url: `${server.url}/${DATABASE}`, how: `scripts/clickhouse-server.ts (ClickHouse ${server.version})`, pid: server.pid, stop };
      }
    }
    const { child, origin } = await startDebianServer(core);
    await createDatabase(origin);
    return {
      url: `http://default:@127.0.0.1:${new URL(origin).port}/${DATABASE}`,
      how: "Debian clickhouse-server started by the bench",
      pid: child.pid,
      stop: () => child.stop(),
    };
  } catch (e: any) {
    return { unavailable: `no ClickHouse server: ${String(e?.message ?? e).split("\n")[0]}` };
  }
}
