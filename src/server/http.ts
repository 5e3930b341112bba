import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import { ApiError, toWire } from "../errors/vocabulary.ts";
import { openaiErrorResponse } from "../openai/errors.ts";
import { VERSION } from "../version.ts";
import { authenticate, authenticateApi, authenticateToken } from "./auth.ts";
import { handleCountTokens, handleMessages, type MessagesDeps, messagesAttempts } from "./messages.ts";
import { handleResponses, type ResponsesDeps, responsesAttempts } from "./responses.ts";
import { anthropicErrorResponse } from "../dialects/anthropic-messages/errors.ts";
import { type ChatDeps, chatAttempts, handleChat } from "./chat.ts";
import { type EmbeddingsDeps, embeddingsAttempts, handleEmbeddings } from "./embeddings.ts";
import { checkOrigin, corsHeaders } from "./cors.ts";
import type { Engine } from "./engine.ts";
import { cooldownText, type EngineMetrics } from "../telemetry/metrics.ts";
import { connectionIdleSeconds } from "./limits.ts";
import { listModels, modelIdFromPath, retrieveModel } from "./models.ts";
import { runPrefixRoute } from "./run-prefix.ts";
import { engineStatus } from "./api/engine.ts";
import { liveTraces } from "./api/live.ts";
import { flushTraces } from "./api/flush.ts";
import { API, type ApiHandler, apiHandler } from "./api/routes.ts";
import { SETTINGS, type SettingsDeps, settingsHandler } from "./api/settings.ts";
import { Sessions, csrfRefusal, sessionRoutes } from "./session.ts";
import { UI_ASSETS, UI_PAGES, uiAsset, uiPage } from "./ui.ts";

const json = (value: unknown) => Response.json(value);

type Handler = (req: Request, server: Server<undefined>, token: TokenEntry | null) => Response | Promise<Response>;

/**
 * Every API route: a foreign browser origin is refused, the caller must hold a token (when any
 * are configured), and allowed origins get their CORS headers. With `sessions` (the /api/ routes)
 * the web UI's session cookie also signs the caller in, and a cookie-authenticated request that
 * changes state must pass the CSRF rule (session.ts).
 */
function guard(engine: Engine, handler: Handler, sessions?: Sessions, dialect: "openai" | "anthropic" = "openai") {
  return async (req: Request, server: Server<undefined>): Promise<Response> => {
    // SDKs and curl send no Origin: skip the browser checks on the hot path.
    const browser = req.headers.get("origin") !== null;
    if (browser) {
      const denied = checkOrigin(req, engine.corsOrigins);
      if (denied) return denied;
    }
    let res: Response;
    if (dialect === "anthropic") {
      // Anthropic's Messages API: the token as `x-api-key` too (Claude Code with ANTHROPIC_API_KEY), errors in Anthropic's shape.
      const who = authenticateToken(req, engine.settings.current.tokens, engine.auth, true);
      res = who instanceof ApiError ? anthropicErrorResponse(toWire(who)) : await handler(req, server, who);
    } else if (!sessions) {
      // /v1: bearer tokens only, no cookie parsing on the hot path.
      const who = authenticate(req, engine.settings.current.tokens, engine.auth);
      res = who instanceof Response ? who : await handler(req, server, who);
    } else {
      const who = authenticateApi(req, engine.settings.current.tokens, engine.auth, sessions);
      // A change made without a bearer token (by cookie, or on an open engine) must prove it is not a cross-site form.
      res = who instanceof Response ? who : (who.via !== "bearer" && csrfRefusal(req)) || (await handler(req, server, who.entry));
    }
    if (browser) for (const [k, v] of Object.entries(corsHeaders(req, engine.corsOrigins))) res.headers.set(k, v);
    return res;
  };
}

function metricsRoute(engine: Engine) {
  const answer = async () => {
    if (!engine.worker) {
      const { body, contentType } = engine.metrics.text();
      return new Response(body, { headers: { "content-type": contentType } });
    }
    // A worker's calls are counted by the primary, with every other worker's; its cooldowns are its own.
    const { body, contentType } = await engine.worker.link.ask<ReturnType<EngineMetrics["text"]>>("metrics");
    const own = cooldownText(engine.health.snapshot(), { worker: String(engine.worker.identity.index) });
    return new Response(body + own, { headers: { "content-type": contentType } });
  };
  const guarded = guard(engine, answer);
  return (req: Request, server: Server<undefined>) => (engine.settings.current.config.server?.metrics_public ? answer() : guarded(req, server));
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
  return async (req: Request) => {
    const basic = { status: "ok", version: VERSION };
    const who = authenticate(req, engine.settings.current.tokens, engine.auth);
    if (who instanceof Response || (who !== null && !who.admin)) return json(basic);
    const { worker } = engine;
    return json({
      ...basic,
      uptime_s: Math.round((Date.now() - engine.startedAt) / 1000),
      // The worker that answered: in-flight requests and cooldowns are its own; the traces are the primary's.
      ...(worker ? { worker: { index: worker.identity.index, of: worker.identity.count, pid: process.pid } } : {}),
      inflight: engine.admission.inflight,
      traces: await engine.traceStatus(),
      routing: { targets: engine.health.snapshot() },
    });
  };
}

function retrieve(req: Request, engine: Engine): Response {
  const id = modelIdFromPath(new URL(req.url).pathname);
  try {
    if (id === null) throw new ApiError("model_not_found", "No model id in the path: GET /v1/models/{id}.", "model");
    return json(retrieveModel(id, engine.settings.current, engine.env));
  } catch (e) {
    if (e instanceof ApiError) return openaiErrorResponse(e);
    throw e;
  }
}

function unknownUrl(req: Request): Response {
  return openaiErrorResponse(
    new ApiError(
      "unknown_url",
      `Unknown path ${req.method} ${new URL(req.url).pathname}. This engine serves POST /v1/chat/completions, POST /v1/embeddings, POST /v1/messages, POST /v1/messages/count_tokens, POST /v1/responses, GET /v1/models, GET /v1/models/{id}, the same under /run/{run id}/ (the calls tagged run={run id}), GET /health, GET /metrics, the JSON API GET/POST/DELETE /api/session, GET /api/traces, /api/traces/live, /api/traces/{id}, POST /api/traces/flush, /api/activity, /api/engine, /api/settings/…, and the web UI at /.`,
    ),
  );
}

export interface TlsFiles {
  cert: string;
  key: string;
}

export function startServer(engine: Engine, host: string, port: number, tls?: TlsFiles): Server<undefined> {
  // Web UI sessions live in this process only: a restart signs everyone out.
  const sessions = new Sessions();
  const chatDeps: ChatDeps = { ...engine, attempts: chatAttempts(engine.health, engine.upstream) };
  const messagesDeps: MessagesDeps = { ...engine, attempts: messagesAttempts(engine.health, engine.upstream) };
  const chat = { POST: guard(engine, (req, server, token) => handleChat(req, chatDeps, token, server)), OPTIONS: preflight(engine) };
  const embeddingsDeps: EmbeddingsDeps = { ...engine, attempts: embeddingsAttempts(engine.health, engine.upstream) };
  const embeddings = { POST: guard(engine, (req, server, token) => handleEmbeddings(req, embeddingsDeps, token, server)), OPTIONS: preflight(engine) };
  const messages = {
    POST: guard(engine, (req, server, token) => handleMessages(req, messagesDeps, token, server), undefined, "anthropic"),
    OPTIONS: preflight(engine),
  };
  const responsesDeps: ResponsesDeps = { ...engine, attempts: responsesAttempts(engine.health, engine.upstream) };
  const responses = { POST: guard(engine, (req, server, token) => handleResponses(req, responsesDeps, token, server)), OPTIONS: preflight(engine) };
  const countTokens = { POST: guard(engine, (req) => handleCountTokens(req, engine), undefined, "anthropic"), OPTIONS: preflight(engine) };
  const models = { GET: guard(engine, () => json(listModels(engine.settings.current, engine.env))), OPTIONS: preflight(engine) };
  // A wildcard, not `:id`: ids hold slashes (`openai/gpt-4o`) when a client does not encode them.
  const model = { GET: guard(engine, (req) => retrieve(req, engine)), OPTIONS: preflight(engine) };
  const api = (h: ApiHandler) => {
    const run = apiHandler(engine.queries, h);
    return { GET: guard(engine, (req, _server, token) => run(req, token), sessions), OPTIONS: preflight(engine) };
  };
  const settingsDeps: SettingsDeps = {
    settings: engine.settings,
    env: engine.env,
    health: engine.health,
    shared: engine.shared,
    sharedFeed: engine.sharedFeed,
    tokenGuard: engine.tokenGuard,
  };
  const settings = (methods: Partial<Record<"GET" | "PUT" | "PATCH" | "POST" | "DELETE", keyof typeof SETTINGS>>) => ({
    ...Object.fromEntries(
      Object.entries(methods).map(([method, name]) => {
        const run = settingsHandler(settingsDeps, SETTINGS[name!]!);
        return [method, guard(engine, (req, _server, token) => run(req, token), sessions)];
      }),
    ),
    OPTIONS: preflight(engine),
  });
  // Not through `api`: the stream needs the server (to lift its idle limit) and the feed, not the store.
  const live = {
    GET: guard(engine, (req, server, token) => apiHandler(engine.queries, async (r, _q, t) => liveTraces(r, engine.liveFeed, t, server))(req, token), sessions),
    OPTIONS: preflight(engine),
  };
  // The APIs a client reaches through a base URL; also under /run/<id>/ (run-prefix.ts).
  const apiRoutes = {
    "/v1/chat/completions": chat,
    "/chat/completions": chat,
    "/v1/embeddings": embeddings,
    "/embeddings": embeddings,
    // Anthropic's Messages API (Claude Code, the Anthropic SDKs), translated at the edge.
    "/v1/messages": messages,
    "/v1/messages/count_tokens": countTokens,
    // OpenAI's Responses API (Codex CLI, client.responses.create): passed through to OpenAI and Azure, translated for the rest.
    "/v1/responses": responses,
    "/responses": responses,
    "/v1/models": models,
    "/models": models,
  };
  const flush = {
    POST: guard(engine, async () => json(await flushTraces(engine)), sessions),
    OPTIONS: preflight(engine),
  };
  return Bun.serve({
    hostname: host,
    port,
    // `serve --workers`: every worker binds the same port and the kernel spreads connections.
    reusePort: engine.worker !== null,
    ...(tls ? { tls: { cert: Bun.file(tls.cert), key: Bun.file(tls.key) } } : {}),
    // Cuts off clients that send their request too slowly (slowloris). Once a chat request's body
    // is in, the handler lifts the limit for that request: answers may take minutes.
    idleTimeout: connectionIdleSeconds(engine.limits),
    // Our own limit answers 413 in OpenAI's shape; Bun's is only the backstop.
    maxRequestBodySize: engine.limits.maxBodyBytes + 1024 * 1024,
    routes: {
      ...apiRoutes,
      "/v1/models/*": model,
      "/models/*": model,
      // The same APIs with the calls tagged run=<id>: what `opentracy exec` points its child at.
      "/run/*": runPrefixRoute(apiRoutes, { "/v1/models/": model, "/models/": model }, unknownUrl),
      "/health": { GET: health(engine) },
      // Prometheus: any engine token, like /v1, unless server.metrics_public opens it to the scraper's network.
      "/metrics": { GET: metricsRoute(engine) },
      // The UI's JSON API: the same tokens as /v1 (a non-admin token reads only its own traces).
      // Sign-in for the web UI: a token in, an HttpOnly session cookie out (session.ts).
      "/api/session": sessionRoutes({
        sessions,
        tokens: () => engine.settings.current.tokens,
        who: (req) => authenticateApi(req, engine.settings.current.tokens, engine.auth, sessions),
        secure: tls !== undefined,
      }),
      "/api/traces": api(API.listTraces),
      "/api/traces/live": live,
      "/api/traces/flush": flush,
      "/api/traces/*": api((req, queries, token) => API.getTrace(req, queries, token, engine.settings.current.config.prices)),
      // Cache savings are priced with the live config's price overrides.
      "/api/activity": api((req, queries, token) => API.activity(req, queries, token, engine.settings.current.config.prices)),
      // Not through `api`: the engine's health needs no trace store, so it answers with traces off too.
      "/api/engine": {
        GET: guard(engine, async (_req, _server, token) => json(engineStatus(engine, token, await engine.traceStatus())), sessions),
        OPTIONS: preflight(engine),
      },
      // Settings (api/settings.ts): admin tokens or an open loopback engine only.
      "/api/settings/providers": settings({ GET: "providers" }),
      "/api/settings/providers/:name/key": settings({ PUT: "putKey", DELETE: "deleteKey" }),
      "/api/settings/providers/:name/base-url": settings({ PUT: "putBaseUrl" }),
      "/api/settings/providers/:name/test": settings({ POST: "testProvider" }),
      "/api/settings/aliases": settings({ GET: "aliases" }),
      "/api/settings/aliases/:name": settings({ PUT: "putAlias", DELETE: "deleteAlias" }),
      "/api/settings/tokens": settings({ GET: "tokens", POST: "createToken" }),
      "/api/settings/tokens/:id": settings({ PATCH: "updateToken", PUT: "updateToken", DELETE: "revokeToken" }),
      "/api/settings/audit": settings({ GET: "audit" }),
      // The web UI: static, and holds no data (it reads /api/ like any client, signed in by cookie), so it needs no token.
      ...Object.fromEntries(UI_PAGES.map((path) => [path, { GET: uiPage }])),
      [UI_ASSETS]: { GET: uiAsset },
    },
    fetch: unknownUrl,
    error(e) {
      // A bug must still answer in OpenAI's shape; the stack goes to the log, never to the client.
      console.error(e);
      return openaiErrorResponse(new ApiError("internal_error", "The engine hit an internal error; the details are in its log."));
    },
  });
}
