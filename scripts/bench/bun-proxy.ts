// The ceiling: the least a Bun gateway can do (receive, forward, stream the answer back) with no
// parsing, routing, pricing or tracing. opentracy runs on the same runtime, so the gap between
// this and opentracy is work opentracy chose to do.
//
//   bun scripts/bench/bun-proxy.ts --upstream http://127.0.0.1:P [--port 0]
// Requests to /<path> go to <upstream>/<path> unchanged.

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
    return new Response(res.body, { status: res.status, headers: res.headers });
  },
});
process.stdout.write(`bun proxy listening on http://127.0.0.1:${server.port} -> ${origin}\n`);
