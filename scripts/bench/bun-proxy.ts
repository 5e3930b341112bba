// The ceiling: the least a Bun gateway can do (receive, forward, stream the answer back) with no
// parsing, routing, pricing or tracing. opentracy runs on the same runtime, so the gap between
// this and opentracy is work opentracy chose to do.
//
//   bun scripts/bench/bun-proxy.ts --upstream http://127.0.0.1:P [--port 0] [--js-stream]
// Requests to /<path> go to <upstream>/<path> unchanged.
//
// --js-stream: the answer's bytes pass through a JavaScript ReadableStream instead of Bun's
// native pipe, unchanged and unparsed. Any gateway that looks at a stream (to translate it, count
// its tokens, trace it) pays at least this, so it is the ceiling for a gateway that does.

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
    // Bun already decompressed nothing (the mock does not compress), so the headers still fit the body.
    const body = jsStream && res.body ? throughJs(res.body) : res.body;
    return new Response(body, { status: res.status, headers: res.headers });
  },
});
process.stdout.write(`bun proxy${jsStream ? " (js stream)" : ""} listening on http://127.0.0.1:${server.port} -> ${origin}\n`);
