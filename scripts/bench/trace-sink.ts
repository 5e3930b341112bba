#!/usr/bin/env bun
/**
 * What tracing costs: the engine's throughput and latency with the ClickHouse sink against the
 * local store, measured in one run so the ratios compare like with like.
 *
 *   bun scripts/bench/trace-sink.ts [--seconds 5] [--concurrency 16] [--rounds 3]
 *
 * Each round runs every configuration once, in turn, against the same cheap upstream
 * (scripts/bench/mock-upstream.ts): the local store; ClickHouse (the chDB engine) started by
 * scripts/chdb-server.ts; and ClickHouse unreachable
 * (every batch goes to the disk spool). Each configuration gets a fresh engine and home; after
 * the load the engine is stopped with SIGTERM and its traces are counted, so a configuration that
 * is fast because it drops traces would show. Not run by the tests.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startChdbServer, type ClickHouseServer } from "../chdb-server.ts";
import { startMock } from "./mock-upstream.ts";
import { percentile } from "./stats.ts";

const ROOT = resolve(import.meta.dir, "../..");
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const SECONDS = opt("--seconds", 5);
const CONCURRENCY = opt("--concurrency", 16);
const ROUNDS = opt("--rounds", 3);

interface Config {
  name: string;
  env: (db: string) => Record<string, string>;
  /** Traces stored after the engine stopped. */
  stored: (home: string, db: string) => Promise<number>;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  stored: number;
  stopMs: number;
}

async function startEngine(home: string, env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, join(ROOT, "bin/opentracy.ts"), "serve", "--port", "0"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OPENTRACY_HOME: home, NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let out = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`engine exited: ${out}${await new Response(proc.stderr).text()}`);
    out += new TextDecoder().decode(value);
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) return { proc, url: m[1] };
  }
}

/** Closed loop: CONCURRENCY clients, each sending the next request as soon as one returns. */
async function drive(url: string, seconds: number): Promise<{ latencies: number[]; elapsed: number }> {
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say something short about tracing." }] });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer x" },
          body,
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { latencies, elapsed: (performance.now() - t0) / 1000 };
}

async function runOne(cfg: Config, upstream: string): Promise<Result> {
  const home = join(mkdtempSync(join(tmpdir(), "bench-trace-sink-")), "home");
  const db = `bench_${Date.now().toString(36)}`;
  const engine = await startEngine(home, { OPENAI_BASE_URL: upstream, OPENAI_API_KEY: "sk-bench", ...cfg.env(db) });
  const warm = await drive(engine.url, 0.5); // warm-up: JIT, connections, schema creation
  const { latencies, elapsed } = await drive(engine.url, SECONDS);
  const t = performance.now();
  engine.proc.kill("SIGTERM");
  await engine.proc.exited;
  const stopMs = performance.now() - t;
  return {
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests: warm.latencies.length + latencies.length,
    stored: await cfg.stored(home, db),
    stopMs,
  };
}

async function countLocal(home: string): Promise<number> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const dir = join(home, "traces");
  let n = 0;
  for (const f of readdirSync(dir)) n += readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean).length;
  return n;
}

async function main() {
  const mock = startMock();
  const upstream = `http://127.0.0.1:${mock.port}/20/0/v1`;
  const server: ClickHouseServer = await startChdbServer();
  const configs: Config[] = [{ name: "local store", env: () => ({}), stored: countLocal }];
  configs.push({
    name: `ClickHouse ${server.version} (chDB)`,
    env: (db) => ({ OPENTRACY_CLICKHOUSE_URL: `${server.url}/${db}` }),
    stored: async (_home, db) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/?query=${encodeURIComponent(`SELECT count() FROM ${db}.traces`)}`, {
        headers: { "X-ClickHouse-User": "default", "X-ClickHouse-Key": server.password },
      });
      return Number((await res.text()).trim());
    },
  });
  const closedPort = await freePort();
  configs.push({
    name: "ClickHouse unreachable (spool)",
    env: (db) => ({ OPENTRACY_CLICKHOUSE_URL: `http://default:x@127.0.0.1:${closedPort}/${db}` }),
    stored: async (home) => {
      const { readdirSync, readFileSync } = await import("node:fs");
      const dir = join(home, "spool", "clickhouse");
      let n = 0;
      for (const f of readdirSync(dir).filter((f) => f.endsWith(".log")))
        for (const m of readFileSync(join(dir, f), "latin1").matchAll(/^OTSPOOL1 \S+ (\d+) /gm)) n += Number(m[1]);
      return n;
    },
  });

  const results = new Map<string, Result[]>(configs.map((c) => [c.name, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const cfg of configs) {
        const r = await runOne(cfg, upstream);
        results.get(cfg.name)!.push(r);
        process.stderr.write(
          `round ${round} ${cfg.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.stored}/${r.requests} traces stored, stop ${r.stopMs.toFixed(0)} ms\n`,
        );
      }
    }
  } finally {
    mock.stop(true);
    await server.stop();
  }

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = results.get("local store")!;
  const baseRps = med(base.map((r) => r.rps));
  const baseP50 = med(base.map((r) => r.p50));
  console.log(
    `\nengine throughput by trace sink (median of ${ROUNDS} rounds, ${SECONDS}s each, ${CONCURRENCY} concurrent clients, ${process.platform} ${navigator.hardwareConcurrency} cores)`,
  );
  console.log("sink                                req/s   vs local   p50 ms  p99 ms   stored/requests (last round)");
  for (const [name, rs] of results) {
    const rps = med(rs.map((r) => r.rps));
    const last = rs.at(-1)!;
    console.log(
      `${name.padEnd(34)} ${rps.toFixed(0).padStart(7)}   ${(rps / baseRps).toFixed(3).padStart(7)}   ${med(rs.map((r) => r.p50))
        .toFixed(2)
        .padStart(6)}  ${med(rs.map((r) => r.p99))
        .toFixed(2)
        .padStart(6)}   ${last.stored}/${last.requests}`,
    );
  }
  console.log(`(p50 of the local store: ${baseP50.toFixed(2)} ms)`);
}

await main();
