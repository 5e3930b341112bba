import type { Server } from "bun";
import { LiveSettings } from "../config/live.ts";
import type { Paths } from "../config/paths.ts";
import { errorJson } from "../openai/errors.ts";
import type { ClickHouseClient } from "@clickhouse/client";
import { join } from "node:path";
import { createTraceClient } from "../traces/clickhouse/client.ts";
import { ClickHouseSink } from "../traces/clickhouse/sink.ts";
import { parseClickHouseUrl, resolveClickHouseUrl, scrub, DEFAULT_DATABASE } from "../traces/clickhouse/url.ts";
import { FileSink, type TraceSink } from "../traces/file-sink.ts";
import { TraceWriter, type ContentPolicy } from "../traces/writer.ts";
import { TargetHealth } from "../routing/health.ts";
import { DEFAULT_COOLDOWN } from "../routing/policy.ts";
import { VERSION } from "../version.ts";
import { handleChat } from "./chat.ts";
import { listModels } from "./models.ts";

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface Engine {
  settings: LiveSettings;
  writer: TraceWriter;
  env: NodeJS.ProcessEnv;
  maxBodyBytes: number;
  contentPolicy(): ContentPolicy;
  startedAt: number;
  /** Per-target circuit breakers; per process, reported in /health. */
  health: TargetHealth;
}

const envFlag = (v: string | undefined): boolean | undefined =>
  v === undefined || v === "" ? undefined : !/^(0|false|no|off)$/i.test(v);

export interface EngineOptions {
  /** `serve --clickhouse URL`: wins over OPENTRACY_CLICKHOUSE_URL and config.json. */
  clickhouseUrl?: string;
  /** A ready client (an embedded chDB in tests and benchmarks) instead of one built from a URL. */
  clickhouseClient?: { client: ClickHouseClient; database?: string; display?: string };
}

/** Thrown for a ClickHouse URL that cannot be used; the message never contains the password. */
export class TraceTargetError extends Error {}

function chooseSink(p: Paths, env: NodeJS.ProcessEnv, settings: LiveSettings, log: (line: string) => void, opts: EngineOptions): TraceSink {
  const t = settings.current.config.traces;
  const common = {
    spoolDir: join(p.home, "spool", "clickhouse"),
    engineVersion: VERSION,
    ttlDays: t?.clickhouse_ttl_days,
    log,
  };
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
    client: createTraceClient(target, { timeoutMs: t?.clickhouse_timeout_ms }),
    database: target.database,
    display: target.display,
    scrub: (text) => scrub(text, target),
  });
}

export function createEngine(p: Paths, env: NodeJS.ProcessEnv, log: (line: string) => void, opts: EngineOptions = {}): Engine {
  const settings = new LiveSettings(p, log);
  // The environment wins over config.json, as for keys: it is the more specific, per-run intent.
  const contentPolicy = (): ContentPolicy => {
    const t = settings.current.config.traces;
    return {
      content: envFlag(env.OPENTRACY_TRACE_CONTENT) ?? t?.content ?? true,
      redact: envFlag(env.OPENTRACY_TRACE_REDACT) ?? t?.redact ?? false,
    };
  };
  const sink = chooseSink(p, env, settings, log, opts);
  const t = settings.current.config.traces;
  const writer = new TraceWriter(sink, contentPolicy, { log, flushMs: t?.flush_ms, batchSize: t?.batch_size });
  return {
    settings,
    writer,
    env,
    maxBodyBytes: settings.current.config.server?.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES,
    contentPolicy,
    startedAt: Date.now(),
    health: new TargetHealth(() => ({ ...DEFAULT_COOLDOWN, ...settings.current.config.routing?.cooldown })),
  };
}

const json = (value: unknown) => Response.json(value);

export function startServer(engine: Engine, host: string, port: number): Server<undefined> {
  const chat = { POST: (req: Request) => handleChat(req, engine) };
  const models = { GET: () => json(listModels(engine.settings.current, engine.env)) };
  return Bun.serve({
    hostname: host,
    port,
    // Streams may run for many minutes with long pauses (reasoning models): no idle cut-off.
    idleTimeout: 0,
    // Our own limit answers 413 in OpenAI's shape; Bun's is only the backstop.
    maxRequestBodySize: engine.maxBodyBytes + 1024 * 1024,
    routes: {
      "/v1/chat/completions": chat,
      "/chat/completions": chat,
      "/v1/models": models,
      "/models": models,
      "/health": {
        GET: () =>
          json({
            status: "ok",
            version: VERSION,
            uptime_s: Math.round((Date.now() - engine.startedAt) / 1000),
            traces: engine.writer.status(),
            routing: { targets: engine.health.snapshot() },
          }),
      },
    },
    fetch(req) {
      return errorJson(404, `Unknown path ${req.method} ${new URL(req.url).pathname}. This engine serves POST /v1/chat/completions, GET /v1/models and GET /health.`, "invalid_request_error", { code: "unknown_url" });
    },
    error(e) {
      // A bug must still answer in OpenAI's shape; the stack goes to the log, never to the client.
      console.error(e);
      return errorJson(500, "The engine hit an internal error; the details are in its log.", "api_error", { code: "internal_error" });
    },
  });
}
