import type { Command } from "commander";
import { ConfigFileError } from "../config/files.ts";
import { ensureHome, paths } from "../config/paths.ts";
import { createEngine, TraceTargetError } from "../server/engine.ts";
import { startServer } from "../server/http.ts";
import { drainEngine } from "../server/shutdown.ts";
import { existsSync } from "node:fs";
import { retentionOf, scheduleLocalRetention } from "../traces/retention.ts";
import { VERSION } from "../version.ts";
import { RequestLog, type LogFormat } from "../server/request-log.ts";
import { startupSummary } from "../server/startup-summary.ts";
import { CliError } from "./output.ts";

interface ServeOptions {
  port?: string;
  host?: string;
  clickhouse?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureNoAuth?: boolean;
  quiet?: boolean;
  logFormat?: string;
}

/** The engine's own log lines, on stderr (stdout carries only the "listening on" line). */
function engineLog(format: LogFormat): (line: string) => void {
  return format === "json"
    ? (line) => process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), msg: line })}\n`)
    : (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

function parseLogFormat(v: string | undefined): LogFormat {
  if (v === undefined || v === "text" || v === "json") return v ?? "text";
  throw new CliError(`invalid --log-format '${v}': use text or json`);
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`invalid port '${v}': use 0-65535`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the engine: OpenAI-compatible API on /v1, traces to the local store or ClickHouse")
    .option("-p, --port <port>", "port to listen on (env OPENTRACY_PORT, default 8080; 0 picks a free one)")
    .option("-H, --host <host>", "address to bind (env OPENTRACY_HOST, default 127.0.0.1)")
    .option(
      "--clickhouse <url>",
      "send traces to ClickHouse, http[s]://user:password@host:8123/database (env OPENTRACY_CLICKHOUSE_URL, which keeps the password out of the process list)",
    )
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM); with --tls-key")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .option("--insecure-no-auth", "accept any API key on a non-loopback address without engine tokens (anyone who can reach it spends your keys)")
    .option("-q, --quiet", "no line per request (start-up, cooldowns and reloads are still logged)")
    .option("--log-format <format>", "text (for people, the default) or json (one object per line, for log shippers)")
    .action(async (opts: ServeOptions) => {
      const env = process.env;
      const format = parseLogFormat(opts.logFormat);
      const log = engineLog(format);
      const p = paths(env);
      ensureHome(p);
      let engine;
      try {
        engine = await createEngine(p, env, log, {
          clickhouseUrl: opts.clickhouse,
          listen: { host: opts.host, port: opts.port },
          insecureNoAuth: opts.insecureNoAuth,
          requestLog: opts.quiet ? null : new RequestLog(format, (text) => process.stderr.write(text)),
        });
      } catch (e) {
        if (e instanceof ConfigFileError) throw new CliError(`${e.message} (the engine did not start; nothing was changed)`);
        if (e instanceof TraceTargetError) throw new CliError(`${e.message} (the engine did not start)`);
        throw e;
      }
      const server = engine.settings.current.config.server;
      const host = engine.address.host;
      const port = parsePort(engine.address.port);
      if (!engine.auth.openWithoutTokens && engine.settings.current.tokens.size === 0) {
        throw new CliError(
          `refusing to serve on ${host} without engine tokens: anyone who can reach it would spend your provider keys. ` +
            "Create one with `opentracy tokens create`, bind to 127.0.0.1, or pass --insecure-no-auth if you really mean it",
        );
      }
      const cert = opts.tlsCert ?? server?.tls_cert;
      const key = opts.tlsKey ?? server?.tls_key;
      if (Boolean(cert) !== Boolean(key)) throw new CliError("TLS needs both --tls-cert and --tls-key");
      for (const f of [cert, key]) if (f && !existsSync(f)) throw new CliError(`TLS file not found: ${f}`);
      let http;
      try {
        http = startServer(engine, host, port, cert && key ? { cert, key } : undefined);
      } catch (e: any) {
        throw new CliError(`cannot listen on ${host}:${port}: ${e?.code ?? e?.message ?? e}`);
      }
      engine.settings.watch();
      engine.writer.start();
      // ClickHouse applies its TTLs itself; the local store is pruned by the engine, daily.
      const retention =
        engine.writer.status().sink === "file" ? scheduleLocalRetention(p.traces, () => retentionOf(engine.settings.current.config.traces), log) : null;
      if (engine.writer.status().sink === "file") log(`traces go to the local store in ${p.traces}`);
      for (const line of startupSummary(engine.settings.current, env)) log(line);
      // Tests and scripts read this line to learn the port when they asked for port 0.
      const url = `${cert ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${http.port}`;
      process.stdout.write(`opentracy ${VERSION} listening on ${url} (home ${p.home})\n`);
      log(`UI at ${url}/`);

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) {
          // A second Ctrl-C means now.
          process.exit(130);
        }
        stopping = true;
        const grace = server?.shutdown_timeout_ms ?? 30_000;
        log(`${signal}: no new connections; waiting up to ${grace} ms for ${engine.admission.inflight} in-flight request(s)`);
        retention?.stop();
        await drainEngine(engine, http, grace, log);
        log("traces flushed; bye");
        process.exit(0);
      };
      process.on("SIGINT", () => void shutdown("SIGINT"));
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
    });
}
