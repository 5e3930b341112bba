#!/usr/bin/env bun
/**
 * Soak: the engine under mixed load for N minutes (stream, non-stream, client aborts, upstream
 * faults), reporting RSS at intervals, then open sockets and descriptors once idle, and traces
 * vs requests. Loopback only; every loop is bounded by the duration.
 *
 *   bun scripts/soak.ts [--minutes 10] [--concurrency 16] [--every 30]
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { minutes: { type: "string", default: "10" }, concurrency: { type: "string", default: "16" }, every: { type: "string", default: "30" } },
});
const minutes = Number(values.minutes);
const concurrency = Number(values.concurrency);
const everyS = Number(values.every);
const ROOT = resolve(import.meta.dir, "..");

// Upstream: OpenAI dialect; 5 % answer 500, streams send 20 chunks 5 ms apart.
let upstreamCalls = 0;
const chunk = (i: number, last: boolean) =>
  `data: ${JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: last ? [] : [{ index: 0, delta: { content: `w${i} ` }, finish_reason: i === 19 ? "stop" : null }], usage: last ? { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } : null })}\n\n`;
const upstream = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  // Like a real API: idle keep-alive connections are closed after a while.
  idleTimeout: 10,
  async fetch(req) {
    upstreamCalls++;
    const body: any = await req.json();
    if (Math.random() < 0.05) return Response.json({ error: { message: "injected fault", type: "server_error", param: null, code: null } }, { status: 500 });
    if (!body.stream) {
      return Response.json({
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      });
    }
    return new Response(
      new ReadableStream({
        async pull(c) {
          for (let i = 0; i < 20; i++) {
            c.enqueue(chunk(i, false));
            await Bun.sleep(5);
          }
          c.enqueue(chunk(20, true));
          c.enqueue("data: [DONE]\n\n");
          c.close();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  },
});

const home = join(mkdtempSync(join(tmpdir(), "opentracy-soak-")), "home");
const engine = Bun.spawn([process.execPath, join(ROOT, "bin/opentracy.ts"), "serve", "--port", "0"], {
  env: { ...process.env, OPENTRACY_HOME: home, OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`, OPENAI_API_KEY: "sk-soak" },
  stdout: "pipe",
  stderr: "inherit",
});
const reader = engine.stdout.getReader();
let banner = "";
while (!/listening on (http:\/\/\S+)/.test(banner)) {
  const { value, done } = await reader.read();
  if (done) throw new Error("engine exited");
  banner += new TextDecoder().decode(value);
}
const base = /listening on (http:\/\/\S+)/.exec(banner)![1];

const proc = (name: string) => readFileSync(`/proc/${engine.pid}/${name}`, "utf8");
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(proc("status"))![1]) / 1024;
const fds = () => readdirSync(`/proc/${engine.pid}/fd`).length;
const sockets = () =>
  readdirSync(`/proc/${engine.pid}/fd`).filter((f) => {
    try {
      return readlinkSync(`/proc/${engine.pid}/fd/${f}`).startsWith("socket:");
    } catch {
      return false;
    }
  }).length;

// Warm up first: the trace file and the upstream pool are opened lazily by the first requests.
for (let i = 0; i < 20; i++) {
  await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "warm-up" }] }),
  }).then((r) => r.text());
}
const files = () => fds() - sockets();
const baseline = { files: files(), sockets: sockets() };
let requests = 0;
let errors = 0;
let aborted = 0;
const deadline = Date.now() + minutes * 60_000;

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const r = Math.random();
    const stream = r < 0.5;
    const abort = r > 0.9 ? new AbortController() : null;
    requests++;
    try {
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", stream, messages: [{ role: "user", content: `soak ${requests}` }] }),
        signal: abort?.signal,
      });
      if (abort) {
        setTimeout(() => abort.abort(), 20);
        aborted++;
      }
      await res.text();
      if (!res.ok) errors++;
    } catch {
      if (!abort) errors++;
    }
  }
}

const samples: string[] = [];
const sampler = setInterval(
  () => samples.push(`${((Date.now() - (deadline - minutes * 60_000)) / 60_000).toFixed(1)} min  RSS ${rssMb().toFixed(1)} MB  requests ${requests}`),
  everyS * 1000,
);
await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(sampler);
samples.push(`end      RSS ${rssMb().toFixed(1)} MB  requests ${requests}`);

// Idle: descriptors should return to the baseline once keep-alive connections time out
// (the engine closes idle client connections after server.request_timeout_ms, 30 s by default).
const loaded = { files: files(), sockets: sockets() };
const idleStart = Date.now();
const settled = () => files() <= baseline.files && sockets() <= baseline.sockets;
while (!settled() && Date.now() - idleStart < 90_000) await Bun.sleep(1000);
const idle = { files: files(), sockets: sockets(), afterS: Math.round((Date.now() - idleStart) / 1000) };
engine.kill("SIGTERM");
await engine.exited;
upstream.stop(true);
let traces = 0; // includes the 20 warm-up requests
for (const f of readdirSync(join(home, "traces")))
  traces += readFileSync(join(home, "traces", f), "utf8")
    .split("\n")
    .filter(Boolean).length;

console.log(
  `soak: ${minutes} min, concurrency ${concurrency}, ${requests} requests (${aborted} aborted by the client, ${errors} errors incl. injected upstream faults), ${upstreamCalls} upstream calls`,
);
console.log(samples.join("\n"));
console.log(
  `descriptors (files + sockets): after warm-up ${baseline.files} + ${baseline.sockets}; right after load ${loaded.files} + ${loaded.sockets}; ${idle.afterS} s later ${idle.files} + ${idle.sockets}`,
);
console.log(`traces ${traces} / requests ${requests} + 20 warm-up: ${traces === requests + 20 ? "equal" : "MISMATCH"}`);
process.exit(traces === requests + 20 && idle.files <= baseline.files && idle.sockets <= baseline.sockets ? 0 : 1);
