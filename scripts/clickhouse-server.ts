#!/usr/bin/env bun
/**
 * A throwaway ClickHouse server for tests and benchmarks: Debian's `clickhouse-server` package
 * (or an official `clickhouse` binary) run as a plain child process on a free loopback port, with
 * a temporary data directory and a generated config. Nothing under /etc or /var, no systemd.
 *
 *   bun scripts/clickhouse-server.ts start [--dir DIR] [--port N] [--password PW]
 *       starts it in the background, waits until it answers, prints {"pid","url","dir","port"}
 *   bun scripts/clickhouse-server.ts stop PID
 *
 * Tests import `startClickHouseServer` instead (test/helpers/clickhouse.ts).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ServerOptions {
  /** Data directory; created when missing. Reusing one after a stop or a kill restarts on the same data. */
  dir?: string;
  port?: number;
  password?: string;
  /** Give up waiting for the first answer after this long. */
  readyMs?: number;
}

export interface ClickHouseServer {
  pid: number;
  port: number;
  dir: string;
  password: string;
  /** http://default:PASSWORD@127.0.0.1:PORT */
  url: string;
  version: string;
  /** SIGTERM, then SIGKILL if it is still there after 3 s (test data is throwaway); resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown at all, as in a crash. */
  kill9(): Promise<void>;
}

/** The server binary and the arguments before `--config-file`, or null when none is installed. */
export function findServerBinary(env: NodeJS.ProcessEnv = process.env): string[] | null {
  if (env.CLICKHOUSE_SERVER_BIN) return [env.CLICKHOUSE_SERVER_BIN];
  for (const p of ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"]) if (existsSync(p)) return [p];
  const which = spawnSync("sh", ["-c", "command -v clickhouse"], { encoding: "utf8" });
  const bin = which.status === 0 ? which.stdout.trim() : "";
  return bin ? [bin, "server"] : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Only the HTTP port: no native, interserver or MySQL ports that could collide with anything. */
function writeConfig(dir: string, port: number, password: string): string {
  const data = `${join(dir, "data")}/`;
  mkdirSync(join(dir, "data", "tmp"), { recursive: true });
  mkdirSync(join(dir, "data", "user_files"), { recursive: true });
  mkdirSync(join(dir, "data", "format_schemas"), { recursive: true });
  const config = join(dir, "config.xml");
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${port}</http_port>
  <path>${data}</path>
  <tmp_path>${data}tmp/</tmp_path>
  <user_files_path>${data}user_files/</user_files_path>
  <format_schema_path>${data}format_schemas/</format_schema_path>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
</yandex>
`,
  );
  writeFileSync(
    join(dir, "users.xml"),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default>
      <password>${xml(password)}</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  return config;
}

async function answer(port: number, password: string): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/?query=${encodeURIComponent("SELECT version()")}`, {
      headers: { "X-ClickHouse-User": "default", "X-ClickHouse-Key": password },
      signal: AbortSignal.timeout(1000),
    });
    return res.ok ? (await res.text()).trim() : null;
  } catch {
    return null;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

export async function startClickHouseServer(opts: ServerOptions = {}): Promise<ClickHouseServer> {
  const bin = findServerBinary();
  if (!bin) throw new Error("no ClickHouse server installed (apt-get install clickhouse-server)");
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "opentracy-clickhouse-"));
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const password = opts.password ?? `test-pw-${Math.random().toString(36).slice(2, 10)}`;
  const config = writeConfig(dir, port, password);
  const out = openSync(join(dir, "stdout.log"), "a");
  const child = spawn(bin[0], [...bin.slice(1), `--config-file=${config}`], { cwd: dir, stdio: ["ignore", out, out], detached: true });
  child.unref();
  const deadline = Date.now() + (opts.readyMs ?? 30_000);
  let version: string | null = null;
  while (!(version = await answer(port, password))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill("SIGKILL");
      const log = [join(dir, "server.err.log"), join(dir, "stdout.log")].map((p) => (existsSync(p) ? readFileSync(p, "utf8").slice(-2000) : "")).join("\n");
      throw new Error(`clickhouse-server did not answer on port ${port} (exit ${child.exitCode ?? child.signalCode ?? "none"}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50)); // polling the port: the server has no readiness signal
  }
  return {
    pid: child.pid!,
    port,
    dir,
    password,
    version,
    url: `http://default:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited(child);
      clearTimeout(timer);
    },
    async kill9() {
      child.kill("SIGKILL");
      await exited(child);
    },
  };
}

if (import.meta.main) {
  const [cmd, ...rest] = process.argv.slice(2);
  const arg = (name: string) => {
    const i = rest.indexOf(name);
    return i === -1 ? undefined : rest[i + 1];
  };
  if (cmd === "start") {
    const s = await startClickHouseServer({ dir: arg("--dir"), port: arg("--port") ? Number(arg("--port")) : undefined, password: arg("--password") });
    process.stdout.write(`${JSON.stringify({ pid: s.pid, port: s.port, dir: s.dir, url: s.url, version: s.version })}\n`);
    process.exit(0);
  } else if (cmd === "stop" && rest[0]) {
    const pid = Number(rest[0]);
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        process.exit(0);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(pid, "SIGKILL");
  } else {
    process.stderr.write("usage: bun scripts/clickhouse-server.ts start [--dir DIR] [--port N] [--password PW] | stop PID\n");
    process.exit(2);
  }
}
