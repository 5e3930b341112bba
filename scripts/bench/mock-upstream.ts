// A deliberately cheap upstream: every target in the bench talks to this same server, so whatever
// it costs is the same for all of them and the differences are the gateways' own.
//
// The scenario is in the path, not the body, so the mock never parses JSON:
//   /<chunks>/<delayMs>/v1/chat/completions   OpenAI dialect
//   /<chunks>/<delayMs>/v1/messages           Anthropic dialect
// A base URL such as http://127.0.0.1:P/20/0/v1 (OpenAI) or http://127.0.0.1:P/20/0 (Anthropic)
// selects 20 content chunks sent at once. Whether to stream is read from the body the way the
// real APIs do (`"stream":true`), with a substring test instead of a parse.

import { anthropicMessage, anthropicStreamEvents, openaiCompletion, openaiStreamEvents } from "./mock-bodies.ts";

const enc = new TextEncoder();
const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

/** Bodies of the fast scenarios, built once: the mock's per-request work is a map lookup. */
const cache = new Map<string, Uint8Array>();
const CACHE_MAX_CHUNKS = 10_000;

function cached(key: string, build: () => string): Uint8Array {
  let b = cache.get(key);
  if (!b) {
    b = enc.encode(build());
    cache.set(key, b);
  }
  return b;
}

/**
 * Events one at a time (a slow upstream) or in batches (a long fast stream), generated on demand
 * so a 100k-chunk stream costs the mock no memory and the gateway's memory is what we see.
 */
function generated(events: Iterator<string>, delayMs: number): ReadableStream<Uint8Array> {
  const BATCH = 256;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (delayMs > 0) await Bun.sleep(delayMs);
      let out = "";
      for (let i = 0; i < (delayMs > 0 ? 1 : BATCH); i++) {
        const n = events.next();
        if (n.done) {
          if (out) controller.enqueue(enc.encode(out));
          controller.close();
          return;
        }
        out += n.value;
      }
      controller.enqueue(enc.encode(out));
    },
  });
}

export interface MockOptions {
  port?: number;
  hostname?: string;
}

export function startMock(opts: MockOptions = {}) {
  return Bun.serve({
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port ?? 0,
    // Slow streams pause between chunks; the mock must never be the one that hangs up.
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const parts = path.split("/");
      // ["", chunks, delay, "v1", "chat", "completions"] or ["", chunks, delay, "v1", "messages"]
      const chunks = Number(parts[1]);
      const delayMs = Number(parts[2]);
      const dialect = parts[4] === "chat" && parts[5] === "completions" ? "openai" : parts[4] === "messages" && parts.length === 5 ? "anthropic" : null;
      if (req.method !== "POST" || !dialect || !Number.isInteger(chunks) || chunks < 1 || !Number.isFinite(delayMs) || delayMs < 0) {
        return new Response(JSON.stringify({ error: { message: `mock: no route ${req.method} ${path}`, type: "invalid_request_error" } }), {
          status: 404,
          headers: JSON_HEADERS,
        });
      }
      const text = await req.text();
      const stream = text.includes('"stream":true');
      if (!stream) {
        const body =
          dialect === "openai" ? cached(`o-json-${chunks}`, () => openaiCompletion(chunks)) : cached(`a-json-${chunks}`, () => anthropicMessage(chunks));
        return new Response(body, { headers: JSON_HEADERS });
      }
      // OpenAI sends the usage chunk only when asked; the engine always asks, clients may not.
      const usage = dialect === "anthropic" || text.includes('"include_usage":true');
      const events = () => (dialect === "openai" ? openaiStreamEvents(chunks, usage) : anthropicStreamEvents(chunks));
      if (delayMs === 0 && chunks <= CACHE_MAX_CHUNKS) {
        return new Response(
          cached(`${dialect}-sse-${chunks}-${usage}`, () => [...events()].join("")),
          { headers: SSE_HEADERS },
        );
      }
      return new Response(generated(events(), delayMs), { headers: SSE_HEADERS });
    },
  });
}

if (import.meta.main) {
  const i = process.argv.indexOf("--port");
  const server = startMock({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  process.stdout.write(`mock upstream listening on http://127.0.0.1:${server.port}\n`);
}
