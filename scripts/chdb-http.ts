#!/usr/bin/env bun
/**
 * ClickHouse's HTTP interface, the part opentracy and @clickhouse/client use, in front of chDB
 * (the current ClickHouse engine as a library): the process scripts/chdb-server.ts starts.
 *
 *   bun scripts/chdb-http.ts --dir DATA --port N     (password in CHDB_HTTP_PASSWORD; user `default`)
 *
 * What it serves, as clickhouse-server does: GET /ping; GET or POST / where the `query` parameter
 * and the body together are the statement (so an INSERT's rows ride in the body); other URL
 * parameters are settings for that statement only; `database` and `default_format`; user and
 * password by Basic auth, X-ClickHouse-User/-Key or parameters. Errors are the engine's own
 * `Code: N. DB::Exception: …` text with X-ClickHouse-Exception-Code and the status the server
 * would give. Not served: sessions, compression, progress headers, and
 * `query_id` (chDB names its own queries, so system.processes shows those names).
 *
 * Each request gets its own connection to the engine: settings are set per connection, and
 * separate connections run side by side as a server's queries do.
 *
 * With CHDB_HTTP_QUERY_LOG=FILE every statement, rows included, is appended to FILE: what a real
 * server's system.query_log would hold (chDB keeps none), for tests that check what never reached it.
 */
import { appendFileSync } from "node:fs";
import { Session } from "chdb";

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const dir = arg("--dir");
const port = Number(arg("--port"));
if (!dir || !Number.isInteger(port)) {
  process.stderr.write("usage: bun scripts/chdb-http.ts --dir DATA --port N\n");
  process.exit(2);
}
const password = process.env.CHDB_HTTP_PASSWORD ?? "";
const queryLog = process.env.CHDB_HTTP_QUERY_LOG;

// The first connection binds the data directory to this process; it stays open for its lifetime.
const engine = new Session(dir);
const VERSION = (await engine.queryAsync("SELECT version()", { format: "TabSeparated" })).text().trim();

/** Parameters that are not settings: what the HTTP layer itself reads. */
const HTTP_PARAMS = new Set(["query", "query_id", "database", "default_format", "user", "password", "quota_key", "wait_end_of_query", "buffer_size"]);
const HTTP_ONLY = /^(http_|send_progress_in_http_headers$|enable_http_compression$)/;

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(`Code: ${code}. DB::Exception: ${message}. (${type})`);
  }
}

/** The status clickhouse-server answers an exception with (HTTPHandler's mapping, in short). */
function statusFor(code: number, message: string): number {
  if (code === 516 || code === 192 || code === 193) return 401;
  const type = /\(([A-Z0-9_]+)\)\s*$/.exec(message)?.[1] ?? "";
  if (/^(CANNOT_PARSE|SYNTAX_ERROR|INCORRECT_DATA|TYPE_MISMATCH|UNKNOWN_SETTING|.*_AST)/.test(type)) return 400;
  if (/^UNKNOWN_(TABLE|DATABASE|FUNCTION|IDENTIFIER|TYPE)/.test(type)) return 404;
  return 500;
}

function credentials(req: Request, params: URLSearchParams): { user: string; key: string } {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.get("authorization") ?? "");
  if (basic) {
    const text = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = text.indexOf(":");
    return { user: text.slice(0, colon), key: text.slice(colon + 1) };
  }
  return {
    user: req.headers.get("x-clickhouse-user") ?? params.get("user") ?? "default",
    key: req.headers.get("x-clickhouse-key") ?? params.get("password") ?? "",
  };
}

const quote = (v: string) => `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

async function run(sql: string, params: URLSearchParams): Promise<{ body: Uint8Array; summary: Record<string, string> }> {
  const conn = new Session(dir);
  const bound: Record<string, string> = {};
  try {
    for (const [k, v] of params) {
      if (HTTP_PARAMS.has(k) || HTTP_ONLY.test(k)) continue;
      // Query parameters ({name:Type} in the SQL), bound by chDB as the server binds them.
      if (k.startsWith("param_")) {
        bound[k.slice("param_".length)] = v;
        continue;
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new HttpError(115, "UNKNOWN_SETTING", `Unknown setting '${k}'`);
      await conn.queryAsync(`SET ${k} = ${quote(v)}`);
    }
    const database = params.get("database");
    if (database) await conn.queryAsync(`USE \`${database.replace(/`/g, "\\`")}\``);
    const format = { format: params.get("default_format") ?? "TabSeparated" };
    const r = Object.keys(bound).length ? await conn.queryBindAsync(sql, bound, format) : await conn.queryAsync(sql, format);
    const ns = String(Math.round(r.elapsed * 1e9));
    return { body: r.bytes(), summary: { read_rows: String(r.rowsRead), read_bytes: String(r.bytesRead), elapsed_ns: ns } };
  } finally {
    conn.close();
  }
}

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/ping") return new Response("Ok.\n");
  const params = url.searchParams;
  const queryId = params.get("query_id") ?? crypto.randomUUID();
  const headers: Record<string, string> = { "X-ClickHouse-Query-Id": queryId, "X-ClickHouse-Server-Display-Name": "chdb-http", "X-ClickHouse-Timezone": "UTC" };
  try {
    const { user, key } = credentials(req, params);
    if (user !== "default" || key !== password) {
      throw new HttpError(516, "AUTHENTICATION_FAILED", `${user}: Authentication failed: password is incorrect, or there is no user with such name`);
    }
    const head = params.get("query");
    const body = req.method === "POST" ? await req.text() : "";
    if (head === null && body === "" && req.method === "GET") return new Response("Ok.\n");
    // As the server does: the parameter is the start of the statement and the body its rest.
    const sql = head === null ? body : body === "" ? head : `${head}\n${body}`;
    if (sql.trim() === "") throw new HttpError(62, "SYNTAX_ERROR", "Empty query");
    if (queryLog) appendFileSync(queryLog, `${sql}\n;\n`);
    const { body: out, summary } = await run(sql, params);
    return new Response(out, { headers: { ...headers, "X-ClickHouse-Summary": JSON.stringify(summary) } });
  } catch (e: any) {
    const code = e instanceof HttpError ? e.code : Number(e?.clickhouseCode ?? /^Code: (\d+)/.exec(String(e?.message))?.[1] ?? 1001);
    const message = String(e?.message ?? e).trim();
    return new Response(`${message} (version ${VERSION})\n`, {
      status: statusFor(code, message),
      headers: { ...headers, "X-ClickHouse-Exception-Code": String(code), "Content-Type": "text/plain; charset=UTF-8" },
    });
  }
}

const server = Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 120, maxRequestBodySize: 512 * 1024 * 1024, fetch: handle });

process.on("SIGTERM", () => {
  server.stop(true);
  engine.close();
  process.exit(0);
});
