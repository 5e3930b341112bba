// A ClickHouse stand-in that accepts inserts into `traces` and drops them, and forwards every
// other request (migrations, the sink's checks) to a real server. Pointing an engine at it
// measures the engine's own cost of ClickHouse tracing, without the server's ingest work, which
// on this 2-core machine shares a core with the load generator:
//
//   bun scripts/bench/clickhouse-drop-inserts.ts http://127.0.0.1:8123      # prints its URL
//   bun scripts/bench/compare.ts --base HEAD --env OPENTRACY_CLICKHOUSE_URL=http://default:PW@<its host:port>/db \
//                                --base-env OPENTRACY_TRACES=off
export {}; // a module, so its names stay its own

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write("usage: bun scripts/bench/clickhouse-drop-inserts.ts <http://host:port of a ClickHouse server>\n");
  process.exit(2);
}
let inserts = 0;
let bytes = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const url = new URL(req.url);
    if (req.method === "POST" && /^INSERT INTO \S*traces`? FORMAT JSONEachRow/.test(url.searchParams.get("query") ?? "")) {
      bytes += (await req.arrayBuffer()).byteLength;
      inserts++;
      return new Response("");
    }
    const res = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "POST" ? await req.arrayBuffer() : undefined,
    });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
  },
});
process.stdout.write(`listening on http://127.0.0.1:${server.port}, dropping inserts into traces\n`);
process.on("SIGINT", () => {
  process.stdout.write(`${inserts} inserts dropped, ${bytes} bytes\n`);
  process.exit(0);
});
