import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import OpenAI from "openai";
import { tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

// An upstream that misbehaves at the byte level, chosen by the model name. Raw TCP, so it can
// send what no well-behaved HTTP server would: a reset mid-body, a lying content type.
const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

const http = (status: string, type: string, body: string) =>
  `HTTP/1.1 ${status}\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;

const BEHAVIOURS: Record<string, (sock: Socket) => void> = {
  "not-json": (s) => s.end(http("200 OK", "application/json", "{this is not json")),
  "html-503": (s) => s.end(http("503 Service Unavailable", "text/html", "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")),
  "error-200": (s) =>
    s.end(
      http(
        "200 OK",
        "application/json",
        JSON.stringify({ error: { message: "quota exhausted upstream", type: "insufficient_quota", code: "insufficient_quota" } }),
      ),
    ),
  "json-for-stream": (s) => s.end(http("200 OK", "application/json", JSON.stringify({ id: "x", object: "chat.completion", choices: [] }))),
  "reset-mid-body": (s) => {
    s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"id":"x",');
    setImmediate(() => s.resetAndDestroy());
  },
  "stream-no-done": (s) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n${chunk("Hel")}${chunk("lo")}`),
  "stream-reset": (s) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n${chunk("Hel")}`);
    setTimeout(() => s.resetAndDestroy(), 50);
  },
  enormous: (s) => {
    const body = JSON.stringify({
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "x".repeat(300_000) }, finish_reason: "stop" }],
    });
    s.end(http("200 OK", "application/json", body));
  },
};

let upstream: Server;
let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  upstream = createServer((sock) => {
    let head = "";
    sock.on("data", (d) => {
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (end < 0 || head.length < end + 4 + len) return;
      const model = JSON.parse(head.slice(end + 4, end + 4 + len)).model as string;
      (BEHAVIOURS[model] ?? ((s: Socket) => s.end(http("404 Not Found", "text/plain", "no such behaviour"))))(sock);
    });
    sock.on("error", () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as { port: number }).port;
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // One attempt: these tests are about what one broken answer becomes, not about retries.
  writeFileSync(join(home, "config.json"), JSON.stringify({ server: { max_response_bytes: 100_000 }, routing: { retry: { max_attempts: 1 } } }));
  engine = await startEngine({ home, env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_API_KEY: "sk-x" } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await engine?.stop();
  upstream?.close();
});

const ask = (model: string) => ({ model: `openai/${model}`, messages: [{ role: "user" as const, content: "hi" }] });

async function expectError(model: string, status: number, message: RegExp) {
  const err = await client.chat.completions.create(ask(model)).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(status);
  expect(err.message).toMatch(message);
}

describe("a misbehaving upstream gets a clear OpenAI error, never a crash or a hang", () => {
  test("invalid JSON in a 200", () => expectError("not-json", 502, /invalid response: body is not JSON/));
  test("an HTML error page keeps its status, with a readable message", () => expectError("html-503", 503, /503 Service Temporarily Unavailable/));
  test("a 200 carrying an error body", () => expectError("error-200", 502, /quota exhausted upstream/));
  test("a connection reset mid-body", () => expectError("reset-mid-body", 502, /closed the connection mid-answer/));
  test("an enormous answer", () => expectError("enormous", 502, /larger than 100000 bytes/));

  test("JSON where a stream was asked for fails before the first byte: a real error status", async () => {
    const err = await client.chat.completions.create({ ...ask("json-for-stream"), stream: true }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
  });

  for (const [model, why] of [
    ["stream-no-done", /ended without \[DONE\]/],
    // Bun ends a body cut by a reset like a finished one: the missing [DONE] is what gives it away.
    ["stream-reset", /ended without \[DONE\]|upstream stream failed|ECONNRESET/],
  ] as const) {
    test(`a stream that breaks after its first byte (${model}) ends with an error the client raises`, async () => {
      const stream = await client.chat.completions.create({ ...ask(model), stream: true });
      let text = "";
      const err = await (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
      })().catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(String(err.message)).toMatch(why);
      expect(text.startsWith("Hel")).toBe(true);
    });
  }

  test("the engine is still up, and every failure has an error trace", async () => {
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
    await engine.stop();
    const traces = readTraces(engine.home);
    expect(traces.length).toBe(8);
    for (const t of traces) expect(t.status).toBe("error");
  });
});
