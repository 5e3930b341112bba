#!/usr/bin/env bun
/**
 * A throwaway ClickHouse server for tests and benchmarks: the current ClickHouse engine of the
 * npm package `chdb` behind a small HTTP front (chdb-http.ts), run as a child process of its own on
 * a free loopback port with a data directory that outlives it. Killing that process is killing
 * the server: its in-flight queries die with it, and a restart on the same directory finds the
 * data the engine had committed, as a real server's restart does.
 *
 *   bun scripts/chdb-server.ts start [--dir DIR] [--port N] [--password PW]
 *       starts it in the background, waits until it answers, prints {"pid","url","dir","port","version"}
 *   bun scripts/chdb-server.ts stop PID
 *
 * Tests import `startChdbServer` instead (test/helpers/clickhouse.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync } from "node:fs";
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
  /**
   * Append every statement received to DIR/query_log.sql: the stand-in for system.query_log,
   * which chDB does not keep. Tests that must prove a text never reached the server read it.
   */
  queryLog?: boolean;
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

const FRONT = join(import.meta.dir, "chdb-http.ts");

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

export async function startChdbServer(opts: ServerOptions = {}): Promise<ClickHouseServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "opentracy-clickhouse-"));
  mkdirSync(join(dir, "data"), { recursive: true });
  const port = opts.port ?? (await freePort());
  const password = opts.password ?? `test-pw-${Math.random().toString(36).slice(2, 10)}`;
  const out = openSync(join(dir, "server.log"), "a");
  // Bun itself (not `npx bun`, not a shell): the pid handed out must be the server's, or a kill
  // would hit a wrapper and leave the engine running. The password goes by environment, not argv.
  const child = spawn(process.execPath, [FRONT, "--dir", join(dir, "data"), "--port", String(port)], {
    cwd: dir,
    stdio: ["ignore", out, out],
    detached: true,
    // UTC like a server configured for it; every column names its zone anyway.
    env: { ...process.env, CHDB_HTTP_PASSWORD: password, TZ: "UTC", ...(opts.queryLog ? { CHDB_HTTP_QUERY_LOG: join(dir, "query_log.sql") } : {}) },
  });
  child.unref();
  const deadline = performance.now() + (opts.readyMs ?? 30_000);
  let version: string | null = null;
  while (!(version = await answer(port, password))) {
    if (child.exitCode !== null || child.signalCode !== null || performance.now() > deadline) {
      if (child.exitCode === null) child.kill("SIGKILL");
      const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8").slice(-2000) : "";
      throw new Error(`the chDB server did not answer on port ${port} (exit ${child.exitCode ?? child.signalCode ?? "none"}):\n${log}`);
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
    const s = await startChdbServer({ dir: arg("--dir"), port: arg("--port") ? Number(arg("--port")) : undefined, password: arg("--password") });
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
    process.stderr.write("usage: bun scripts/chdb-server.ts start [--dir DIR] [--port N] [--password PW] | stop PID\n");
    process.exit(2);
  }
}
