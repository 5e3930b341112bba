import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Config } from "../config/schema.ts";
import { errorJson } from "../openai/errors.ts";
import { obviouslyValid } from "../openai/quick-valid.ts";
import { ChatRequest, paramPath, type ChatRequestBody } from "../openai/schema.ts";
import type { ChatCompletion } from "../openai/schema.ts";
import type { MappedError } from "../providers/types.ts";
import { planRoute, UnknownModel, type RoutePlan } from "../routing/plan.ts";
import { backoffMs, classify, DEFAULT_FIRST_BYTE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, retryAfterMs } from "../routing/policy.ts";
import { attemptOnce, prepareTarget, type AttemptLimits } from "./attempt.ts";
import { BodyTimeout, BodyTooLarge, exceedsDepth, readLimited } from "./body.ts";
import { Call, type AttemptKind } from "./call.ts";
import type { Engine } from "./engine.ts";
import { connectionIdleSeconds } from "./limits.ts";
import { spliceExtras } from "./splice-extras.ts";
import { relayStream, type UpstreamStream } from "./stream-relay.ts";

const TRACE_HEADER = "x-opentracy-trace-id";

/** POST /v1/chat/completions: parse once, plan the route, try targets, answer in OpenAI's shape, trace. */
export async function handleChat(req: Request, engine: Engine, server?: Server<undefined>, token: TokenEntry | null = null): Promise<Response> {
  const call = new Call(engine.writer);
  call.tokenName = token?.name ?? null;
  const { limits } = engine;
  if (engine.inflight >= limits.maxConcurrent) {
    // Refusing now beats queueing without bound: the client's SDK retries after Retry-After.
    call.finish(429, { type: "rate_limit_error", message: "engine at its concurrency limit" });
    return errorJson(429, `The engine is answering ${limits.maxConcurrent} requests already; retry shortly.`, "rate_limit_error", {
      code: "engine_overloaded",
      headers: { "retry-after": "1", [TRACE_HEADER]: call.id },
    });
  }
  engine.inflight++;
  call.onFinish = () => {
    engine.inflight--;
    // The slow-sender limit was lifted for this request's wait; give the keep-alive connection
    // its idle limit back, or idle clients would hold their sockets for ever.
    try {
      server?.timeout(req, connectionIdleSeconds(limits));
    } catch {
      // The connection is already gone.
    }
  };
  try {
    return await handle(req, engine, call, server);
  } catch (e) {
    call.finish(500, { type: "internal_error", message: String((e as Error)?.message ?? e) });
    throw e;
  }
}

async function handle(req: Request, engine: Engine, call: Call, server: Server<undefined> | undefined): Promise<Response> {
  const { limits } = engine;
  // One snapshot per request: a config change mid-request applies to the next one, never half of this one.
  const settings = engine.settings.current;
  const { config } = settings;

  const fail = (status: number, message: string, type: string, opts: { param?: string | null; code?: string | null } = {}) => {
    call.finish(status, { type, message });
    return errorJson(status, message, type, { ...opts, headers: { [TRACE_HEADER]: call.id } });
  };
  const failMapped = (m: MappedError) => {
    call.finish(m.status, { type: m.error.type, message: m.error.message });
    return new Response(JSON.stringify({ error: m.error }), {
      status: m.status,
      headers: { ...m.headers, "content-type": "application/json", [TRACE_HEADER]: call.id },
    });
  };

  let text: string;
  try {
    text = await readLimited(req, limits.maxBodyBytes, { deadline: call.startedAt + limits.requestTimeoutMs });
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      return fail(413, `Request body is larger than the limit of ${limits.maxBodyBytes} bytes.`, "invalid_request_error", { code: "request_too_large" });
    }
    if (e instanceof BodyTimeout)
      return fail(408, `The request body did not arrive within ${limits.requestTimeoutMs} ms.`, "invalid_request_error", { code: "request_timeout" });
    return fail(400, "The request body could not be read.", "invalid_request_error");
  }
  // The request is in: from here the wait is the upstream's, which may take minutes.
  server?.timeout(req, 0);

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(400, "We could not parse the JSON body of your request. The body must be a JSON object.", "invalid_request_error", { code: "invalid_json" });
  }
  if (raw && typeof raw === "object" && typeof (raw as any).model === "string") call.requested = (raw as any).model;
  if (exceedsDepth(raw, limits.maxJsonDepth)) {
    return fail(400, `The request nests JSON deeper than ${limits.maxJsonDepth} levels.`, "invalid_request_error", { code: "too_deep" });
  }
  const checked = obviouslyValid(raw) ? { success: true as const } : ChatRequest.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const param = paramPath(issue.path) || null;
    return fail(400, `Invalid value for '${param ?? "body"}': ${issue.message}`, "invalid_request_error", { param, code: "invalid_value" });
  }
  // Forward the client's own object, not zod's copy: unknown fields must reach the upstream as sent.
  let body = raw as ChatRequestBody;
  if (body.messages.length > limits.maxMessages) {
    return fail(400, `Too many messages: ${body.messages.length}, the limit is ${limits.maxMessages}.`, "invalid_request_error", {
      param: "messages",
      code: "too_many_messages",
    });
  }
  call.stream = body.stream === true;
  call.request = body.messages;

  let plan: RoutePlan;
  try {
    plan = planRoute(body.model, config);
  } catch (e) {
    if (e instanceof UnknownModel) return fail(404, e.message, "invalid_request_error", { param: "model", code: "model_not_found" });
    throw e;
  }
  call.alias = plan.alias;
  call.strategy = plan.strategy;
  if (plan.params) body = { ...body, ...plan.params };

  const clientGone = () => {
    call.finish(499, { type: "client_disconnected", message: "the client closed the connection before the answer started" });
    return new Response(null, { status: 499 });
  };
  const attemptLimits: AttemptLimits = {
    firstByteMs: config.routing?.first_byte_timeout_ms ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS,
    idleMs: config.routing?.idle_timeout_ms ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxResponseBytes: limits.maxResponseBytes,
  };
  const deadline = call.startedAt + plan.retry.deadline_ms;
  const health = engine.health;
  // A dead target is skipped while it cools down, unless every target is cooling down:
  // then trying beats failing without trying.
  const available = plan.targets.filter((t) => health.available(t.ref));
  const order = available.length ? available : plan.targets;

  let lastError: MappedError | null = null;
  let kind: AttemptKind = "first";
  for (let ti = 0; ti < order.length; ti++) {
    const planned = order[ti];
    call.provider = planned.provider.name;
    call.model = planned.model;
    if (ti > 0) kind = "fallback";
    const prepared = prepareTarget(planned, settings, engine.env);
    if ("error" in prepared) {
      call.attempt(prepared.status, prepared.error.type, kind);
      lastError = prepared;
      continue;
    }
    const { adapter, target } = prepared;
    for (let n = 1; n <= plan.retry.max_attempts; n++) {
      if (n > 1) kind = "retry";
      const abort = new AbortController();
      const onClientGone = () => abort.abort();
      req.signal.addEventListener("abort", onClientGone, { once: true });
      const t0 = performance.now();
      const result = await attemptOnce(adapter, target, body, call.stream, attemptLimits, abort);
      if (!result.ok && "clientGone" in result) {
        call.attempt(null, "client_disconnected", kind, t0);
        return clientGone();
      }
      if (result.ok) {
        health.success(planned.ref);
        call.attempt(result.status, null, kind, t0);
        if ("completion" in result) {
          req.signal.removeEventListener("abort", onClientGone);
          return answer(call, config, result.completion, result.text);
        }
        return streamAnswer(call, config, engine, body, result.stream, abort);
      }
      req.signal.removeEventListener("abort", onClientGone);
      const { mapped, status } = result;
      call.attempt(status, mapped.error.type, kind, t0);
      lastError = mapped;
      const verdict = classify(status, mapped.error);
      if (verdict === "return") return failMapped(mapped);
      health.failure(planned.ref, mapped.error.message);
      if (verdict === "fallback" || n === plan.retry.max_attempts) break;
      const wait = backoffMs(n, plan.retry, retryAfterMs(mapped.headers));
      if (wait === null || Date.now() + wait > deadline) break;
      if (!(await sleep(wait, req.signal))) return clientGone();
    }
    if (Date.now() > deadline) break;
  }
  return failMapped(lastError!);
}

/** Waits `ms`; false when the client left meanwhile. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function answer(call: Call, config: Config, completion: ChatCompletion, upstreamText: string | null): Response {
  call.markFirstByte();
  call.setUsage(completion.usage, config, completion.model);
  call.finishReason = completion.choices[0]?.finish_reason ?? null;
  call.toolCalls = completion.choices.reduce((n, c) => n + (Array.isArray(c.message?.tool_calls) ? c.message.tool_calls.length : 0), 0);
  call.response = completion.choices.map((c) => c.message);
  const extras = call.extras();
  const out = (upstreamText !== null && spliceExtras(upstreamText, extras)) || JSON.stringify({ ...completion, ...extras });
  call.finish(200, null);
  return new Response(out, { status: 200, headers: { "content-type": "application/json", [TRACE_HEADER]: call.id } });
}

function streamAnswer(call: Call, config: Config, engine: Engine, body: ChatRequestBody, upstream: UpstreamStream, abort: AbortController): Response {
  const stream = relayStream(upstream, {
    call,
    config,
    clientWantsUsage: body.stream_options?.include_usage === true,
    keepText: engine.contentPolicy().content && !engine.writer.discards,
    abort,
  });
  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      [TRACE_HEADER]: call.id,
    },
  });
}
