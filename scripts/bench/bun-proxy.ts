// The ceiling: the least a Bun gateway can do (receive, forward, stream the answer back) with no
// parsing, routing, pricing or tracing. opentracy runs on the same runtime, so the gap between
// this and opentracy is work opentracy chose to do.
//
//   bun scripts/bench/bun-proxy.ts --upstream http://127.0.0.1:P [--port 0] [--js-stream | --parse]
// Requests to /<path> go to <upstream>/<path> unchanged.
//
// --js-stream: the answer's bytes pass through a JavaScript ReadableStream instead of Bun's
// native pipe, unchanged and unparsed. Any gateway that looks at a stream (to translate it, count
// its tokens, trace it) pays at least this, so it is the ceiling for a gateway that does.
//
// --parse: as --js-stream, and the answer is also parsed the way any gateway that prices or traces
// it must: a whole answer with JSON.parse; a stream decoded, split into server-sent events
// (eventsource-parser, as opentracy uses) and each event's data JSON.parse'd, then written back as
// the same frames, one write per network read. Nothing is kept: it is the ceiling for a gateway
// that reads every chunk.
import { createParser } from "eventsource-parser";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const upstream = arg("--upstream");
if (!upstream) {
  process.stderr.write("usage: bun-proxy.ts --upstream URL [--port N]\n");
  process.exit(2);
}
const origin = new URL(upstream).origin;
const jsStream = process.argv.includes("--js-stream");
const parse = process.argv.includes("--parse");

/** The same bytes, read and re-enqueued one network read at a time. */
function throughJs(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The events of each read, parsed, re-framed as they were and written as one chunk. */
function throughParser(body: ReadableStream<Uint8Array>): ReadableStream<string> {
  const reader = body.getReader();
  const text = new TextDecoder();
  let out = "";
  const parser = createParser({
    onEvent: (e) => {
      if (e.data !== "[DONE]") JSON.parse(e.data);
      out += `${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`;
    },
  });
  return new ReadableStream<string>({
    async pull(controller) {
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          return;
        }
        parser.feed(text.decode(next.value, { stream: true }));
        if (out) {
          controller.enqueue(out);
          out = "";
          return;
        }
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(arg("--port") ?? 0),
  idleTimeout: 0,
  async fetch(req) {
    const url = new URL(req.url);
    const res = await fetch(origin + url.pathname + url.search, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
    });
    if (parse && res.body) {
      if (!res.headers.get("content-type")?.startsWith("text/event-stream")) {
        const text = await res.text();
        JSON.parse(text);
        return new Response(text, { status: res.status, headers: res.headers });
      }
      return new Response(throughParser(res.body), { status: res.status, headers: res.headers });
    }
    // Bun already decompressed nothing (the mock does not compress), so the headers still fit the body.
    const body = jsStream && res.body ? throughJs(res.body) : res.body;
    return new Response(body, { status: res.status, headers: res.headers });
  },
});
process.stdout.write(`bun proxy${parse ? " (parsing)" : jsStream ? " (js stream)" : ""} listening on http://127.0.0.1:${server.port} -> ${origin}\n`);
