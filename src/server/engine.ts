import type { Server } from "bun";
import { LiveSettings } from "../config/live.ts";
import type { Paths } from "../config/paths.ts";
import { errorJson } from "../openai/errors.ts";
import { FileSink } from "../traces/file-sink.ts";
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

export function createEngine(p: Paths, env: NodeJS.ProcessEnv, log: (line: string) => void): Engine {
  const settings = new LiveSettings(p, log);
  // The environment wins over config.json, as for keys: it is the more specific, per-run intent.
  const contentPolicy = (): ContentPolicy => {
    const t = settings.current.config.traces;
    return {
      content: envFlag(env.OPENTRACY_TRACE_CONTENT) ?? t?.content ?? true,
      redact: envFlag(env.OPENTRACY_TRACE_REDACT) ?? t?.redact ?? false,
    };
  };
  const sink = new FileSink(p.traces, settings.current.config.traces?.max_file_bytes);
  const writer = new TraceWriter(sink, contentPolicy, { log });
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
            traces: { sink: "file", queued: engine.writer.queued, written: engine.writer.written, dropped: engine.writer.dropped },
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
