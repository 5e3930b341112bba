import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeOpenAI, streamGate, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

let fake: FakeOpenAI;
let engine: RunningEngine;
let client: OpenAI;

const limits = { max_body_bytes: 4096, max_messages: 5, max_json_depth: 8, max_concurrent_requests: 2, request_timeout_ms: 1000, shutdown_timeout_ms: 10_000 };

async function engineWith(server: Record<string, unknown>) {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ server }));
  return startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  engine = await engineWith(limits);
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${engine.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
const user = (content: string) => ({ role: "user" as const, content });

describe("request limits", () => {
  test("a body over the limit → 413, declared or streamed", async () => {
    const big = JSON.stringify({ model: "openai/gpt-4o", messages: [user("x".repeat(5000))] });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as any).error.code).toBe("request_too_large");
    // Chunked, no Content-Length: counted as it arrives.
    const chunked = await fetch(`${engine.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(i === 0 ? big.slice(0, 1000) : big.slice(i * 1000, (i + 1) * 1000)));
          c.close();
        },
      }),
    });
    expect(chunked.status).toBe(413);
  });

  test("too many messages and JSON nested too deep → 400 naming the problem", async () => {
    const many = await post(JSON.stringify({ model: "openai/gpt-4o", messages: Array.from({ length: 6 }, () => user("x")) }));
    expect(many.status).toBe(400);
    expect(((await many.json()) as any).error).toMatchObject({ param: "messages", code: "too_many_messages" });
    let deep: unknown = "x";
    for (let i = 0; i < 20; i++) deep = { a: deep };
    const nested = await post(JSON.stringify({ model: "openai/gpt-4o", messages: [user("x")], metadata: deep }));
    expect(nested.status).toBe(400);
    expect(((await nested.json()) as any).error.code).toBe("too_deep");
  });

  test("past the concurrency limit → 429 with Retry-After, not a queue", async () => {
    const gates = [streamGate(), streamGate()];
    for (const gate of gates) fake.script({ gate });
    const held = gates.map(() => client.chat.completions.create({ model: "openai/gpt-4o", messages: [user("held")] }));
    await Promise.all(gates.map((g) => g.waiting()));
    const third = await client.chat.completions.create({ model: "openai/gpt-4o", messages: [user("third")] }).catch((e) => e);
    expect(third).toBeInstanceOf(OpenAI.RateLimitError);
    expect(third.headers.get("retry-after")).toBe("1");
    expect(third.code).toBe("engine_overloaded");
    gates.forEach((g) => g.releaseAll());
    await Promise.all(held);
    // The slots are free again.
    expect((await client.chat.completions.create({ model: "openai/gpt-4o", messages: [user("after")] })).choices[0].message.content).toBe("after");
  });

  test("a sender that trickles its body is cut off with 408", async () => {
    const res = await fetch(`${engine.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        async pull(c) {
          c.enqueue(new TextEncoder().encode(" "));
          await Bun.sleep(300); // the slow client under test, not synchronisation
        },
      }),
    }).catch((e) => e);
    if (res instanceof Response) expect(res.status).toBe(408);
    else expect(String(res)).toMatch(/closed|reset|socket/i);
  });

  // Bun's HTTP layer drops a connection whose headers are still incomplete after about 10 s,
  // whatever idleTimeout says; the engine's own limit covers the body (above).
  test("a client that never finishes its headers is disconnected (slowloris)", async () => {
    const { port, hostname } = new URL(engine.url);
    const closed = await new Promise<number>((resolve, reject) => {
      const t0 = Date.now();
      const sock = connect(Number(port), hostname, () => sock.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"));
      sock.on("close", () => resolve(Date.now() - t0));
      sock.on("error", () => {});
      setTimeout(() => reject(new Error("the engine kept a half-sent request open for 20 s")), 20_000);
    });
    expect(closed).toBeLessThan(20_000);
  }, 25_000);
});

describe("graceful shutdown", () => {
  test("SIGTERM lets an in-flight stream finish, refuses new connections, and flushes its trace", async () => {
    const e = await engineWith({ shutdown_timeout_ms: 10_000 });
    const c = new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 });
    const gate = streamGate({ initial: 2 });
    fake.script({ content: "finish me please", gate });
    const stream = await c.chat.completions.create({ model: "openai/gpt-4o", messages: [user("finish me please")], stream: true });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const draining = e.waitForLog(/in-flight/);
    e.proc.kill("SIGTERM");
    await draining;
    const refused = await fetch(`${e.url}/health`).catch((err) => err);
    expect(refused).toBeInstanceOf(Error);
    gate.releaseAll();
    let text = "";
    for (let r = await it.next(); !r.done; r = await it.next()) text += r.value.choices[0]?.delta.content ?? "";
    expect(text).toBe("finish me please");
    expect(await e.proc.exited).toBe(0);
    const [trace] = readTraces(e.home);
    expect(trace).toMatchObject({ status: "ok", stream: true, finish_reason: "stop" });
  });

  test("past the deadline, the stream is cut and still traced", async () => {
    const e = await engineWith({ shutdown_timeout_ms: 300 });
    const c = new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 });
    const gate = streamGate({ initial: 2 });
    fake.script({ content: "never finishes", gate });
    const stream = await c.chat.completions.create({ model: "openai/gpt-4o", messages: [user("never finishes")], stream: true });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    e.proc.kill("SIGTERM");
    const end = await (async () => {
      for (let r = await it.next(); !r.done; r = await it.next());
    })().catch((err) => err);
    expect(end).toBeInstanceOf(Error);
    expect(await e.proc.exited).toBe(0);
    const traces = readTraces(e.home);
    expect(traces).toHaveLength(1);
    expect(traces[0].status).toBe("error");
    gate.releaseAll();
  });
});
