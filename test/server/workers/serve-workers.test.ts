import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { eventually, startServer } from "../../helpers/clickhouse.ts";
import { runCli, tempHome } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";
import { listenLive } from "../../helpers/live.ts";
import { readTraces } from "../../helpers/traces.ts";

// `serve --workers 2` as users run it: one primary, two workers on one port, the OpenAI fake
// upstream. Each request opens a new connection (`connection: close`), so the kernel spreads
// them across the workers; the tests first make sure both workers answer.
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

const fresh = { connection: "close" };

async function health(engine: RunningEngine, token?: string): Promise<any> {
  const headers = { ...fresh, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return (await fetch(`${engine.url}/health`, { headers })).json();
}

/** Asks /health on new connections until both workers have answered; their pids. */
async function bothWorkers(engine: RunningEngine, token?: string): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < 200 && seen.size < 2; i++) {
    const h = await health(engine, token);
    expect(h.worker.of).toBe(2);
    seen.set(h.worker.index, h.worker.pid);
  }
  expect([...seen.keys()].sort()).toEqual([0, 1]);
  return seen;
}

const chat = (engine: RunningEngine, token = "x") =>
  fetch(`${engine.baseURL}/chat/completions`, {
    method: "POST",
    headers: { ...fresh, authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }),
  });

describe("serve --workers 2", () => {
  test("both workers serve the port; every trace is written once, by the primary; /metrics counts them all; SIGTERM drains", async () => {
    const engine = await startEngine({ args: ["--workers", "2"], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    expect(engine.stderr()).toMatch(/2 workers serve the port \(pids \d+, \d+\)/);
    await bothWorkers(engine);
    const n = 60;
    const ids = new Set<string>();
    for (let i = 0; i < n; i++) {
      const res = await chat(engine);
      expect(res.status).toBe(200);
      ids.add(res.headers.get("x-opentracy-trace-id")!);
    }
    // Counted by the primary from the traces every worker sent, whichever worker is asked.
    for (let i = 0; i < 4; i++) {
      const text = await eventually(
        async () => {
          const t = await (await fetch(`${engine.url}/metrics`, { headers: fresh })).text();
          return /opentracy_requests_total\{[^}]*status="ok"\} 60$/m.test(t) && t;
        },
        5000,
        "60 requests in /metrics",
      );
      expect(text).toContain("opentracy_requests_total");
    }
    const h = await health(engine);
    expect(h.traces).toMatchObject({ sink: "file" });
    expect(await engine.stop()).toBe(0);
    const traces = readTraces(engine.home);
    expect(traces.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect(engine.stderr()).toContain("traces flushed; bye");
  });

  test("a token's budget holds across workers: what one worker spent, the other refuses", async () => {
    const home = tempHome();
    const made = await runCli(["tokens", "create", "--name", "tight", "--budget-total", "0.000001"], { home });
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    const admin = await runCli(["tokens", "create", "--name", "ops", "--admin"], { home });
    expect(admin.code).toBe(0);
    const engine = await startEngine({ home, args: ["--workers", "2"], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      await bothWorkers(engine, admin.stdout.trim());
      expect((await chat(engine, token)).status).toBe(200);
      // The primary relays the spend to the other worker in the same turn as it counts the call,
      // so once /metrics (the primary's) has it, both workers know. Without the relay the worker
      // that did not answer would admit one more call.
      const metrics = () => fetch(`${engine.url}/metrics`, { headers: { ...fresh, authorization: `Bearer ${admin.stdout.trim()}` } }).then((r) => r.text());
      await eventually(async () => /opentracy_requests_total\{[^}]*status="ok"\} 1$/m.test(await metrics()), 5000, "the call counted");
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await chat(engine, token)).status);
      expect(statuses).toEqual(Array(20).fill(429));
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  test("a worker that dies is replaced, and the port keeps answering", async () => {
    const engine = await startEngine({ args: ["--workers", "2"], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      const pids = await bothWorkers(engine);
      const victim = pids.get(0)!;
      const replaced = engine.waitForLog(new RegExp(`worker 0 \\(pid ${victim}\\) exited with signal SIGKILL; starting a new one`), 10_000);
      process.kill(victim, "SIGKILL");
      await replaced;
      const after = await eventually(
        async () => {
          const seen = await bothWorkers(engine);
          return seen.get(0) !== victim && seen;
        },
        15_000,
        "a new worker 0",
      );
      expect(after.get(1)).toBe(pids.get(1));
      for (let i = 0; i < 10; i++) expect((await chat(engine)).status).toBe(200);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  test("the live view on one worker shows every worker's traces", async () => {
    const engine = await startEngine({ args: ["--workers", "2"], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    let live: Awaited<ReturnType<typeof listenLive>> | undefined;
    try {
      await bothWorkers(engine);
      live = await listenLive(engine.url, fresh);
      expect(live.res.status).toBe(200);
      const seen = () => new Set(live!.events.map((e) => e.id));
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await chat(engine)).headers.get("x-opentracy-trace-id")!);
      await eventually(() => ids.every((id) => seen().has(id)), 5000, "every trace in the live view");
      expect(seen().size).toBe(30);
    } finally {
      await live?.close();
      expect(await engine.stop()).toBe(0);
    }
  });

  test("with ClickHouse: the primary inserts every worker's traces once", async () => {
    const server = await startServer();
    try {
      const database = `workers_${Math.random().toString(36).slice(2, 8)}`;
      const env = { OPENTRACY_CLICKHOUSE_URL: `${server.url}/${database}`, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey };
      const engine = await startEngine({ args: ["--workers", "2"], env });
      await bothWorkers(engine);
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await chat(engine)).headers.get("x-opentracy-trace-id")!);
      expect(await engine.stop()).toBe(0);
      // Only the primary builds the ClickHouse sink (and its spool); a worker's would scan the primary's segments.
      expect(engine.stderr()).toMatch(/traces go to ClickHouse at/);
      expect(engine.stderr()).not.toMatch(/worker \d+: traces go to ClickHouse/);
      const client = await server.client();
      const rs = await client.query({ query: `SELECT id FROM ${database}.traces ORDER BY id`, format: "JSONEachRow" });
      const rows = (await rs.json()) as { id: string }[];
      expect(rows.map((r) => r.id)).toEqual([...ids].sort());
      await client.close();
    } finally {
      await server.dispose();
    }
  }, 60_000);

  test("POST /api/traces/flush writes what every worker holds, whichever worker it reaches", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // Workers and primary would hold traces for ten minutes: only the flush writes them in time.
    writeFileSync(join(home, "config.json"), JSON.stringify({ traces: { flush_ms: 600_000 } }));
    const engine = await startEngine({ home, args: ["--workers", "2"], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      await bothWorkers(engine);
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add((await chat(engine)).headers.get("x-opentracy-trace-id")!);
      const listed = async () => ((await (await fetch(`${engine.url}/api/traces?limit=100`, { headers: fresh })).json()) as any).data.map((r: any) => r.id);
      expect(await listed()).toEqual([]);
      const flushed = await fetch(`${engine.url}/api/traces/flush`, { method: "POST", headers: { ...fresh, "x-opentracy-csrf": "1" } });
      expect(await flushed.json()).toEqual({ queued: 0, failing: false });
      expect((await listed()).sort()).toEqual([...ids].sort());
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  test("/metrics carries the cooldowns of the worker that answers, labelled with its index", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ routing: { cooldown: { failures: 1, period_ms: 600_000 } } }));
    // Nothing listens on port 1: every call fails, and one failure cools the target down in the worker that tried.
    const engine = await startEngine({ home, args: ["--workers", "2"], env: { OPENAI_BASE_URL: "http://127.0.0.1:1", OPENAI_API_KEY: "sk-x" } });
    try {
      await bothWorkers(engine);
      for (let i = 0; i < 20; i++) expect((await chat(engine)).status).toBeGreaterThanOrEqual(500);
      const text = await (await fetch(`${engine.url}/metrics`, { headers: fresh })).text();
      expect(text).toMatch(/^opentracy_target_cooling_down\{target="openai\/gpt-4o-mini",worker="[01]"\} 1$/m);
      expect(text.match(/^# TYPE opentracy_target_cooling_down gauge$/gm)).toHaveLength(1);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  test("a second `serve --workers` on a port another one serves fails with EADDRINUSE instead of sharing it", async () => {
    const first = await startEngine({ args: ["--workers", "2"], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      const port = new URL(first.url).port;
      // The workers bind with SO_REUSEPORT; without the primary's probe the second would start and split the connections.
      const second = startEngine({ args: ["--workers", "2", "--port", port], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
      const failed = await second.then(
        async (e) => {
          await e.stop();
          return "started";
        },
        (e: Error) => e.message,
      );
      expect(failed).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
      expect(failed).toContain("code 1");
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  test("--workers takes a whole number from 1 to 256", async () => {
    const r = await runCli(["serve", "--port", "0", "--workers", "0"], { home: tempHome() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("invalid --workers '0': use a whole number from 1 to 256");
  });
});
