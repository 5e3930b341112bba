import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TraceRecord } from "../../src/traces/record.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-upstream.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { BIN, childEnv, ROOT, runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

const CHILD = join(import.meta.dir, "exec-child.ts");
const RUN = /^exec-[0-9a-f]{8}$/;

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
const upstreams = () => ({
  OPENAI_BASE_URL: openai.url,
  OPENAI_API_KEY: openai.apiKey,
  ANTHROPIC_BASE_URL: anthropic.url,
  ANTHROPIC_API_KEY: anthropic.apiKey,
});

beforeAll(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
});
afterAll(async () => {
  await openai?.close();
  await anthropic?.close();
});

/** A home whose config makes each call one attempt, so the traces are exactly the child's calls. */
function homeWithConfig(): string {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ routing: { retry: { max_attempts: 1 } } }));
  return home;
}

/** A loopback port nothing listens on: where exec looks for a running engine and finds none. */
function closedPort(): string {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = String(s.port);
  s.stop(true);
  return port;
}

/** What the child prints: the fakes answer with the last user message. */
const CHILD_STDOUT = "whole: plain call\nstream: streamed call\nerror: 404\nmessages: anthropic call\n";

/** The summary's numbers must be the traces' own. */
function expectSummaryOf(summary: any, traces: TraceRecord[]): void {
  expect(traces).toHaveLength(4);
  for (const t of traces) expect(t.tags.run).toBe(summary.run_id);
  expect(summary.calls).toBe(4);
  expect(summary.errors).toBe(1);
  expect(traces.filter((t) => t.status === "error").map((t) => t.requested_model)).toEqual(["nowhere/none"]);
  const sum = (f: (t: TraceRecord) => number | null) => traces.reduce((n, t) => n + (f(t) ?? 0), 0);
  expect(summary.input_tokens).toBe(sum((t) => t.input_tokens));
  expect(summary.output_tokens).toBe(sum((t) => t.output_tokens));
  expect(summary.input_tokens).toBeGreaterThan(0);
  expect(summary.cost_usd).toBeCloseTo(
    sum((t) => t.cost_usd),
    12,
  );
  expect(summary.cost_usd).toBeGreaterThan(0);
  const slowest = traces.reduce((a, b) => (b.latency_ms > a.latency_ms ? b : a));
  expect(summary.slowest).toEqual({ model: slowest.selected_model ?? slowest.requested_model, latency_ms: slowest.latency_ms, trace_id: slowest.id });
  expect(new Set(traces.map((t) => t.api))).toEqual(new Set(["chat", "messages"]));
  expect(traces.some((t) => t.stream)).toBe(true);
}

describe("opentracy exec with a running engine", () => {
  test("tags the child's SDK calls with the run, passes its stdout and exit code through, and sums the run up", async () => {
    const home = homeWithConfig();
    // An engine with tokens: the child's SDKs and exec's own reading both need OPENTRACY_TOKEN.
    const made = await runCli(["tokens", "create", "--name", "ci"], { home });
    const token = made.stdout.trim();
    const engine = await startEngine({ home, env: upstreams() });
    try {
      const file = join(home, "..", "summary.json");
      const r = await runCli(["exec", "--summary-file", file, "--", process.execPath, CHILD, "3"], {
        home,
        env: { OPENTRACY_URL: engine.url, OPENTRACY_TOKEN: token },
      });
      expect(r.stdout).toBe(CHILD_STDOUT);
      expect(r.code).toBe(3);
      expect(r.stderr).toStartWith("child's own stderr line\n");
      expect(r.stderr).not.toContain(token);
      const summary = JSON.parse(readFileSync(file, "utf8"));
      expect(summary.run_id).toMatch(RUN);
      expect(summary.exit_code).toBe(3);
      expect(summary.engine).toBe("running");
      expect(summary.url).toBe(`${engine.url}/traces?tag=run%3D${summary.run_id}`);
      // Read from the store exec read: it asked the engine to flush, so every call is written already.
      const traces = readTraces(home);
      expectSummaryOf(summary, traces);
      for (const t of traces) expect(t.token_name).toBe("ci");
      expect(r.stderr).toContain(`opentracy: run ${summary.run_id}: 4 calls, 1 error, ${summary.input_tokens} input + ${summary.output_tokens} output tokens`);
      expect(r.stderr).toContain(`(trace ${summary.slowest.trace_id})`);
      // The engine's own API finds the run by its tag, as the UI link does.
      const listed: any = await (await fetch(`${engine.url}/api/traces?tag=run=${summary.run_id}`, { headers: { authorization: `Bearer ${token}` } })).json();
      expect(listed.data).toHaveLength(4);
    } finally {
      await engine.stop();
    }
  });

  test("without the engine's token the calls are refused and the summary says why", async () => {
    const home = homeWithConfig();
    await runCli(["tokens", "create", "--name", "ci"], { home });
    const engine = await startEngine({ home, env: upstreams() });
    try {
      const call = 'curl -s -o /dev/null -w "%{http_code}" -H "authorization: Bearer $OPENAI_API_KEY" -d "{}" "$OPENAI_BASE_URL/chat/completions"';
      const r = await runCli(["exec", "--", "sh", "-c", call], { home, env: { OPENTRACY_URL: engine.url } });
      expect(r.stdout).toBe("401");
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^warning: no summary for run exec-[0-9a-f]{8}: \/api\/traces\/flush answered 401: .*set OPENTRACY_TOKEN/m);
    } finally {
      await engine.stop();
    }
  });
});

describe("opentracy exec starting its own engine", () => {
  test("the child reaches the engine, the engine the upstreams, with no base URL or key crossing over", async () => {
    const home = homeWithConfig();
    const seenOpenAI = openai.requests.length;
    const seenAnthropic = anthropic.requests.length;
    const r = await runCli(["exec", "--json", "--run", "nightly.eval-7", "--", process.execPath, CHILD], {
      home,
      env: { ...upstreams(), OPENTRACY_PORT: closedPort() },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(CHILD_STDOUT);
    const summary = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
    expect(summary.run_id).toBe("nightly.eval-7");
    expect(summary.engine).toBe("started");
    // The engine exec started is stopped and drained: its traces are all in the store.
    expectSummaryOf(summary, readTraces(home));
    // The engine called the fakes with their own keys: the child's placeholder key never went upstream.
    const toOpenAI = openai.requests.slice(seenOpenAI);
    const toAnthropic = anthropic.requests.slice(seenAnthropic);
    expect(toOpenAI).toHaveLength(2);
    expect(toAnthropic).toHaveLength(1);
    for (const s of toOpenAI) expect(s.headers.authorization).toBe(`Bearer ${openai.apiKey}`);
    expect(toAnthropic[0].headers["x-api-key"]).toBe(anthropic.apiKey);
  });

  test("a child killed by a signal exits 128 + the signal; --quiet prints nothing of ours", async () => {
    const home = tempHome();
    const r = await runCli(["exec", "--quiet", "--", "sh", "-c", "echo before; kill -TERM $$"], { home, env: { OPENTRACY_PORT: closedPort() } });
    expect(r.code).toBe(143);
    expect(r.stdout).toBe("before\n");
    expect(r.stderr).toBe("");
  });
});

describe("the child's process", () => {
  test("a signal to exec reaches the child, whose exit code is exec's", async () => {
    // A bounded loop: a child left behind by a failing run ends by itself.
    const script = 'trap "echo got TERM; exit 7" TERM; echo ready; i=0; while [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done';
    const proc = Bun.spawn([process.execPath, BIN, "exec", "--quiet", "--", "sh", "-c", script], {
      cwd: ROOT,
      env: childEnv(tempHome(), { OPENTRACY_PORT: closedPort() }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("ready\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    proc.kill("SIGTERM");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(await proc.exited).toBe(7);
    expect(out).toBe("ready\ngot TERM\n");
  });

  test("--verbose after -- is the command's, not ours", async () => {
    const r = await runCli(["exec", "--quiet", "--", "sh", "-c", 'echo "$@"', "sh", "--verbose", "-x"], {
      home: tempHome(),
      env: { OPENTRACY_PORT: closedPort() },
    });
    expect(r).toEqual({ code: 0, stdout: "--verbose -x\n", stderr: "" });
  });
});

describe("opentracy exec refuses", () => {
  test.each([
    [[], /nothing to run: give the command after --/],
    [["--run", "../etc", "--", "true"], /invalid --run '\.\.\/etc'/],
    [["--url", "http://127.0.0.1:1", "--", "true"], /no opentracy engine answers at http:\/\/127\.0\.0\.1:1\/health/],
    [["--", "no-such-command-here"], /cannot run 'no-such-command-here': command not found/],
  ])("%p with one line and exit code 1", async (args, message) => {
    const r = await runCli(["exec", ...args], { home: tempHome(), env: { OPENTRACY_PORT: closedPort() } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
