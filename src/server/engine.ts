import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import { LiveSettings } from "../config/live.ts";
import { listenAddress } from "../config/address.ts";
import type { Paths } from "../config/paths.ts";
import { errorJson } from "../openai/errors.ts";
import type { ClickHouseClient } from "@clickhouse/client";
import { join } from "node:path";
import { httpInserter } from "../traces/clickhouse/insert.ts";
import { createTraceClient } from "../traces/clickhouse/client.ts";
import { DiscardSink } from "../traces/discard-sink.ts";
import { ClickHouseSink } from "../traces/clickhouse/sink.ts";
import { parseClickHouseUrl, resolveClickHouseUrl, scrub, DEFAULT_DATABASE } from "../traces/clickhouse/url.ts";
import { FileSink, type TraceSink } from "../traces/file-sink.ts";
import { TraceWriter, type ContentPolicy } from "../traces/writer.ts";
import { TargetHealth } from "../routing/health.ts";
import { DEFAULT_COOLDOWN } from "../routing/policy.ts";
import { VERSION } from "../version.ts";
import { connectionIdleSeconds, DEFAULT_LIMITS, type Limits } from "./limits.ts";
import { authenticate, isLoopback, type AuthPolicy } from "./auth.ts";
import { handleChat } from "./chat.ts";
import { checkOrigin, corsHeaders } from "./cors.ts";
import { listModels } from "./models.ts";

export interface Engine {
  settings: LiveSettings;
  writer: TraceWriter;
  env: NodeJS.ProcessEnv;
  limits: Limits;
  /** Host and port (unparsed) from the flags, environment and config.json. */
  address: { host: string; port: string };
  auth: AuthPolicy;
  corsOrigins: readonly string[];
  /** Requests admitted and not yet finished (their trace not yet recorded). */
  inflight: number;
  contentPolicy(): ContentPolicy;
  startedAt: number;
  /** Per-target circuit breakers; per process, reported in /health. */
  health: TargetHealth;
}

const envFlag = (v: string | undefined): boolean | undefined => (v === undefined || v === "" ? undefined : !/^(0|false|no|off)$/i.test(v));

export interface EngineOptions {
  /** Accept any key without tokens even off loopback (`serve --insecure-no-auth`). */
  insecureNoAuth?: boolean;
  /** `serve --host/--port`; without tokens only a loopback host is open. */
  listen?: { host?: string; port?: string };
  /** `serve --clickhouse URL`: wins over OPENTRACY_CLICKHOUSE_URL and config.json. */
  clickhouseUrl?: string;
  /** A ready client (an embedded chDB in tests and benchmarks) instead of one built from a URL. */
  clickhouseClient?: { client: ClickHouseClient; database?: string; display?: string };
}

/** Thrown for a ClickHouse URL that cannot be used; the message never contains the password. */
export class TraceTargetError extends Error {}

async function chooseSink(p: Paths, env: NodeJS.ProcessEnv, settings: LiveSettings, log: (line: string) => void, opts: EngineOptions): Promise<TraceSink> {
  const t = settings.current.config.traces;
  const common = {
    spoolDir: join(p.home, "spool", "clickhouse"),
    engineVersion: VERSION,
    ttlDays: t?.clickhouse_ttl_days,
    log,
  };
  if ((envFlag(env.OPENTRACY_TRACES) ?? t?.enabled ?? true) === false) {
    log("traces are off (OPENTRACY_TRACES / traces.enabled): nothing is recorded");
    return new DiscardSink();
  }
  if (opts.clickhouseClient) {
    const { client, database = DEFAULT_DATABASE, display = "embedded ClickHouse" } = opts.clickhouseClient;
    return new ClickHouseSink({ ...common, client, database, display });
  }
  const raw = resolveClickHouseUrl(opts.clickhouseUrl, env, t?.clickhouse_url);
  if (raw === undefined) return new FileSink(p.traces, t?.max_file_bytes);
  let target;
  try {
    target = parseClickHouseUrl(raw);
  } catch (e: any) {
    throw new TraceTargetError(`invalid ClickHouse URL: ${e.message}`);
  }
  log(`traces go to ClickHouse at ${target.display} (spool: ${common.spoolDir})`);
  return new ClickHouseSink({
    ...common,
    client: await createTraceClient(target, { timeoutMs: t?.clickhouse_timeout_ms }),
    insert: httpInserter(target, t?.clickhouse_timeout_ms),
    database: target.database,
    display: target.display,
    scrub: (text) => scrub(text, target),
  });
}

export async function createEngine(p: Paths, env: NodeJS.ProcessEnv, log: (line: string) => void, opts: EngineOptions = {}): Promise<Engine> {
  const settings = new LiveSettings(p, log);
  // The environment wins over config.json, as for keys: it is the more specific, per-run intent.
  const contentPolicy = (): ContentPolicy => {
    const t = settings.current.config.traces;
    return {
      content: envFlag(env.OPENTRACY_TRACE_CONTENT) ?? t?.content ?? true,
      redact: envFlag(env.OPENTRACY_TRACE_REDACT) ?? t?.redact ?? false,
    };
  };
  const sink = await chooseSink(p, env, settings, log, opts);
  const t = settings.current.config.traces;
  const writer = new TraceWriter(sink, contentPolicy, { log, flushMs: t?.flush_ms, batchSize: t?.batch_size });
  const s = settings.current.config.server;
  const address = listenAddress(s, env, opts.listen);
  return {
    settings,
    writer,
    env,
    limits: {
      maxBodyBytes: s?.max_body_bytes ?? DEFAULT_LIMITS.maxBodyBytes,
      maxMessages: s?.max_messages ?? DEFAULT_LIMITS.maxMessages,
      maxJsonDepth: s?.max_json_depth ?? DEFAULT_LIMITS.maxJsonDepth,
      maxConcurrent: s?.max_concurrent_requests ?? DEFAULT_LIMITS.maxConcurrent,
      requestTimeoutMs: s?.request_timeout_ms ?? DEFAULT_LIMITS.requestTimeoutMs,
      maxResponseBytes: s?.max_response_bytes ?? DEFAULT_LIMITS.maxResponseBytes,
    },
    address,
    auth: { openWithoutTokens: opts.insecureNoAuth === true || isLoopback(address.host) },
    corsOrigins: s?.cors_origins ?? [],
    inflight: 0,
    contentPolicy,
    startedAt: Date.now(),
    health: new TargetHealth(() => ({ ...DEFAULT_COOLDOWN, ...settings.current.config.routing?.cooldown })),
  };
}

const json = (value: unknown) => Response.json(value);

type Handler = (req: Request, server: Server<undefined>, token: TokenEntry | null) => Response | Promise<Response>;

/**
 * Every API route: a foreign browser origin is refused, the caller must hold a token (when any
 * are configured), and allowed origins get their CORS headers.
 */
function guard(engine: Engine, handler: Handler) {
  return async (req: Request, server: Server<undefined>): Promise<Response> => {
    // SDKs and curl send no Origin: skip the browser checks on the hot path.
    const browser = req.headers.get("origin") !== null;
    if (browser) {
      const denied = checkOrigin(req, engine.corsOrigins);
      if (denied) return denied;
    }
    const who = authenticate(req, engine.settings.current.tokens, engine.auth);
    const res = who instanceof Response ? who : await handler(req, server, who);
    if (browser) for (const [k, v] of Object.entries(corsHeaders(req, engine.corsOrigins))) res.headers.set(k, v);
    return res;
  };
}

function preflight(engine: Engine) {
  return (req: Request) => {
    const headers = corsHeaders(req, engine.corsOrigins);
    return Object.keys(headers).length
      ? new Response(null, { status: 204, headers })
      : (checkOrigin(req, engine.corsOrigins) ?? new Response(null, { status: 204 }));
  };
}

/** Anyone may ask whether the engine is up; the operational details need an admin token (or no tokens at all). */
function health(engine: Engine) {
  return (req: Request) => {
    const basic = { status: "ok", version: VERSION };
    const who = authenticate(req, engine.settings.current.tokens, engine.auth);
    if (who instanceof Response || (who !== null && !who.admin)) return json(basic);
    return json({
      ...basic,
      uptime_s: Math.round((Date.now() - engine.startedAt) / 1000),
      inflight: engine.inflight,
      traces: engine.writer.status(),
      routing: { targets: engine.health.snapshot() },
    });
  };
}

export interface TlsFiles {
  cert: string;
  key: string;
}

export function startServer(engine: Engine, host: string, port: number, tls?: TlsFiles): Server<undefined> {
  const chat = { POST: guard(engine, (req, server, token) => handleChat(req, engine, server, token)), OPTIONS: preflight(engine) };
  const models = { GET: guard(engine, () => json(listModels(engine.settings.current, engine.env))), OPTIONS: preflight(engine) };
  return Bun.serve({
    hostname: host,
    port,
    ...(tls ? { tls: { cert: Bun.file(tls.cert), key: Bun.file(tls.key) } } : {}),
    // Cuts off clients that send their request too slowly (slowloris). Once a chat request's body
    // is in, the handler lifts the limit for that request: answers may take minutes.
    idleTimeout: connectionIdleSeconds(engine.limits),
    // Our own limit answers 413 in OpenAI's shape; Bun's is only the backstop.
    maxRequestBodySize: engine.limits.maxBodyBytes + 1024 * 1024,
    routes: {
      "/v1/chat/completions": chat,
      "/chat/completions": chat,
      "/v1/models": models,
      "/models": models,
      "/health": { GET: health(engine) },
    },
    fetch(req) {
      return errorJson(
        404,
        `Unknown path ${req.method} ${new URL(req.url).pathname}. This engine serves POST /v1/chat/completions, GET /v1/models and GET /health.`,
        "invalid_request_error",
        { code: "unknown_url" },
      );
    },
    error(e) {
      // A bug must still answer in OpenAI's shape; the stack goes to the log, never to the client.
      console.error(e);
      return errorJson(500, "The engine hit an internal error; the details are in its log.", "api_error", { code: "internal_error" });
    },
  });
}
