import type { Command } from "commander";
import { ConfigFileError } from "../config/files.ts";
import { ensureHome, paths } from "../config/paths.ts";
import { createEngine, TraceTargetError } from "../server/engine.ts";
import { startServer } from "../server/http.ts";
import { drainEngine, drainHttp } from "../server/shutdown.ts";
import { existsSync } from "node:fs";
import { retentionOf, scheduleLocalRetention } from "../traces/retention.ts";
import { VERSION } from "../version.ts";
import { RequestLog, type LogFormat } from "../server/request-log.ts";
import { startupSummary } from "../server/startup-summary.ts";
import { CliError } from "./output.ts";
import type { Paths } from "../config/paths.ts";
import { Primary } from "../server/workers/primary.ts";
import { type ToPrimary, type ToWorker, type WorkerIdentity, WORKER_PORT_ENV, workerIdentity } from "../server/workers/messages.ts";
import { selfCommand } from "./self-command.ts";
import { readConfig } from "../settings/files.ts";
import { type CassetteFlags, cassetteMode } from "./serve-cassette.ts";
import { CassetteError } from "../cassettes/store.ts";
import { type CassetteMode, type CassetteSummary, describeCassette } from "../cassettes/mode.ts";

interface ServeOptions extends CassetteFlags {
  port?: string;
  workers?: string;
  host?: string;
  clickhouse?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureNoAuth?: boolean;
  quiet?: boolean;
  logFormat?: string;
}

/** The engine's own log lines, on stderr (stdout carries only the "listening on" line). */
function engineLog(format: LogFormat, prefix = ""): (line: string) => void {
  return format === "json"
    ? (line) => process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), msg: prefix + line })}\n`)
    : (line) => process.stderr.write(`${new Date().toISOString()} ${prefix}${line}\n`);
}

function parseLogFormat(v: string | undefined): LogFormat {
  if (v === undefined || v === "text" || v === "json") return v ?? "text";
  throw new CliError(`invalid --log-format '${v}': use text or json`);
}

function parseWorkers(v: string, from: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new CliError(`invalid ${from} '${v}': use a whole number from 1 to 256`);
  return n;
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
      "-w, --workers <count>",
      "engine processes serving the port together, one per core to use (env OPENTRACY_WORKERS, config server.workers; default 1)",
    )
    .option(
      "--clickhouse <url>",
      "send traces to ClickHouse, http[s]://user:password@host:8123/database (env OPENTRACY_CLICKHOUSE_URL, which keeps the password out of the process list)",
    )
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM); with --tls-key")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .option("--insecure-no-auth", "accept any API key on a non-loopback address without engine tokens (anyone who can reach it spends your keys)")
    .option("-q, --quiet", "no line per request (start-up, cooldowns and reloads are still logged)")
    .option("--log-format <format>", "text (for people, the default) or json (one object per line, for log shippers)")
    .option("--record <dir>", "write every upstream answer to a cassette folder, for --replay (env OPENTRACY_RECORD)")
    .option("--replay <dir>", "answer from a cassette folder: no network, no provider keys (env OPENTRACY_REPLAY)")
    .option("--replay-timing <timing>", "with --replay: real (the recorded waits between chunks) or none (the default) (env OPENTRACY_REPLAY_TIMING)")
    .action(async (opts: ServeOptions) => {
      const env = process.env;
      const format = parseLogFormat(opts.logFormat);
      const p = paths(env);
      ensureHome(p);
      const identity = workerIdentity(env);
      if (identity) {
        const log = engineLog(format, `worker ${identity.index}: `);
        return serve(opts, p, env, format, log, { identity, port: env[WORKER_PORT_ENV] ?? "0" });
      }
      const log = engineLog(format);
      const workers =
        opts.workers !== undefined
          ? parseWorkers(opts.workers, "--workers")
          : env.OPENTRACY_WORKERS
            ? parseWorkers(env.OPENTRACY_WORKERS, "OPENTRACY_WORKERS")
            : null;
      return serve(opts, p, env, format, log, null, workers);
    });
}

type Log = (line: string) => void;

/** The engine for `serve`, with its start-up errors as one-line CLI errors. */
async function startEngine(
  opts: ServeOptions,
  p: Paths,
  env: NodeJS.ProcessEnv,
  format: LogFormat,
  log: Log,
  cassette: CassetteMode | undefined,
  role: Parameters<typeof createEngine>[3],
) {
  try {
    return await createEngine(p, env, log, {
      clickhouseUrl: opts.clickhouse,
      listen: { host: opts.host, port: opts.port },
      insecureNoAuth: opts.insecureNoAuth,
      requestLog: opts.quiet ? null : new RequestLog(format, (text) => process.stderr.write(text)),
      cassette,
      ...role,
    });
  } catch (e) {
    if (e instanceof ConfigFileError) throw new CliError(`${e.message} (the engine did not start; nothing was changed)`);
    if (e instanceof TraceTargetError || e instanceof CassetteError) throw new CliError(`${e.message} (the engine did not start)`);
    throw e;
  }
}

/** What the primary of `serve --workers` says about the cassette its workers load, as a CLI error if the folder is missing. */
function describePrimaryCassette(mode: CassetteMode): CassetteSummary {
  try {
    return describeCassette(mode);
  } catch (e) {
    if (e instanceof CassetteError) throw new CliError(`${e.message} (the engine did not start)`);
    throw e;
  }
}

/**
 * One engine (`workers` 1), the primary of several (it serves nothing itself: it starts the
 * workers, writes their traces, and answers for them), or one of those workers (`worker` set:
 * it serves the port the primary chose and sends its traces to it).
 */
async function serve(
  opts: ServeOptions,
  p: Paths,
  env: NodeJS.ProcessEnv,
  format: LogFormat,
  log: Log,
  worker: { identity: WorkerIdentity; port: string } | null,
  workersFlag: number | null = null,
): Promise<void> {
  const send = (m: ToPrimary, done?: () => void) => process.send!(m, done as any);
  const configured = workersFlag ?? readConfig(p).server?.workers ?? 1;
  const primary = !worker && configured > 1;
  const cassette = cassetteMode(opts, env);
  // Each worker would record on its own, and one's recording of a request replace another's.
  if (primary && cassette && "record" in cassette)
    throw new CliError(`--record takes one worker (not ${configured}): record, then replay with as many as you like`);
  // The primary serves nothing, so it loads no cassette: each worker does; it only says which.
  const primaryCassette = primary && cassette ? describePrimaryCassette(cassette) : null;
  const role = worker ? { worker: { identity: worker.identity, send } } : primary ? { primary: true } : {};
  const engine = await startEngine(opts, p, env, format, log, primary ? undefined : cassette, role);
  const server = engine.settings.current.config.server;
  const host = engine.address.host;
  const port = parsePort(worker ? worker.port : engine.address.port);
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

  let http: ReturnType<typeof startServer> | null = null;
  let workers: Primary | null = null;
  let boundPort: number;
  if (primary) {
    // Port 0 means "any free port", but every worker must bind the same one: chosen here, once.
    // A given port is bound once without SO_REUSEPORT first: the workers set it, so another
    // `serve --workers` already on the port would otherwise share it with them, silently.
    try {
      boundPort = probePort(host, port);
    } catch (e: any) {
      throw new CliError(`cannot listen on ${host}:${port}: ${e?.code ?? e?.message ?? e}`);
    }
    workers = new Primary({ count: configured, engine, cmd: selfCommand(), env, port: boundPort, log });
    try {
      await workers.start();
    } catch (e: any) {
      await workers.stop("SIGKILL");
      throw new CliError(`cannot start ${configured} workers on ${host}:${boundPort}: ${e?.message ?? e}`);
    }
  } else {
    try {
      http = startServer(engine, host, port, cert && key ? { cert, key } : undefined);
    } catch (e: any) {
      throw new CliError(`cannot listen on ${host}:${port}: ${e?.code ?? e?.message ?? e}`);
    }
    boundPort = http.port as number;
  }
  // Each worker reloads config.json itself; the primary needs it for the tokens its ledger counts.
  engine.settings.watch();
  engine.writer.start();
  if (worker) {
    process.on("message", (m: ToWorker) => engine.worker!.link.receive(m));
    // An orphan would serve the port with nobody writing its traces.
    process.on("disconnect", () => void shutdown("the primary process exited"));
    send({ t: "ready" });
  }
  // ClickHouse applies its TTLs itself; the local store is pruned by the engine (the primary), daily.
  const local = engine.writer.status().sink === "file";
  const retention = local ? scheduleLocalRetention(p.traces, () => retentionOf(engine.settings.current.config.traces), log) : null;
  if (!worker) {
    if (local) log(`traces go to the local store in ${p.traces}`);
    for (const line of startupSummary(engine.settings.current, env, engine.cassette ?? primaryCassette, engine.contentPolicy())) log(line);
    if (workers) log(`${configured} workers serve the port (pids ${workers.pids.join(", ")})`);
    // Tests and scripts read this line to learn the port when they asked for port 0.
    const url = `${cert ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
    process.stdout.write(`opentracy ${VERSION} listening on ${url} (home ${p.home})\n`);
    log(`UI at ${url}/`);
  }

  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) {
      // Ctrl-C reaches a worker twice (from the terminal, and from the primary): only the primary's second one means now.
      if (worker) return;
      // A second Ctrl-C means now.
      process.exit(130);
    }
    stopping = true;
    const grace = server?.shutdown_timeout_ms ?? 30_000;
    retention?.stop();
    if (workers) log(`${signal}: stopping ${configured} workers (each waits up to ${grace} ms for its in-flight requests)`);
    else log(`${signal}: no new connections; waiting up to ${grace} ms for ${engine.admission.inflight} in-flight request(s)`);
    await drainEngine(engine, workers ? () => workers.stop() : () => drainHttp(engine, http!, grace, log));
    if (worker) {
      // Everything traced is on its way to the primary; it waits for this before writing its last batch.
      send({ t: "drained" }, () => process.exit(0));
      return;
    }
    log("traces flushed; bye");
    process.exit(0);
  }
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** `port` (0: any) bound and released on `host`, without SO_REUSEPORT: free right now for the workers, which all bind it. */
function probePort(host: string, port: number): number {
  const probe = Bun.listen({ hostname: host, port, socket: { data() {} } });
  const bound = probe.port;
  probe.stop(true);
  return bound;
}
