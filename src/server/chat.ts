import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Settings } from "../config/live.ts";
import { ApiError, toWire } from "../errors/vocabulary.ts";
import { type AttemptLimits, attemptLimits, attemptOnce, prepareTarget } from "../routing/attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { planRoute, type RoutePlan, UnknownModel } from "../routing/plan.ts";
import { type AttemptDeps, runAttempts, waitUnlessAborted } from "../routing/run-attempts.ts";
import type { ChatRequestBody } from "../openai/schema.ts";
import type { LiveFeed } from "../traces/live-feed.ts";
import type { ContentPolicy, TraceWriter } from "../traces/writer.ts";
import type { Admission } from "./admission.ts";
import { Call } from "./call.ts";
import { connectionIdleSeconds, type Limits } from "./limits.ts";
import type { RequestLog } from "./request-log.ts";
import { answerCompletion } from "./pipeline/answer.ts";
import { chatRequest } from "./pipeline/chat-request.ts";
import { type Finish, finishOnce } from "./pipeline/finish.ts";
import { readMetadataBody, readMetadataHeaders } from "./pipeline/metadata.ts";
import { readJsonBody, requestedModel } from "./pipeline/read-body.ts";
import { failOpenAI, sseResponse } from "./pipeline/respond.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/** What the chat endpoint uses of the engine, and nothing more. */
export interface ChatDeps {
  settings: { readonly current: Settings };
  writer: Pick<TraceWriter, "enqueue" | "discards">;
  admission: Admission;
  limits: Limits;
  env: NodeJS.ProcessEnv;
  contentPolicy(): ContentPolicy;
  attempts: AttemptDeps<ChatAttempt>;
  /** The terminal's line per request; null with `serve --quiet`. */
  requestLog: RequestLog | null;
  /** Finished traces for the UI's live view; absent in tests that do not watch. */
  liveFeed?: Pick<LiveFeed, "publish">;
}

/** One chat request as the attempt loop hands it to each try. */
export interface ChatAttempt {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  body: ChatRequestBody;
  stream: boolean;
  limits: AttemptLimits;
}

/** The attempt loop's real world, built once per engine: prepare a target, call it, wait between retries. */
export function chatAttempts(health: TargetHealth): AttemptDeps<ChatAttempt> {
  return {
    health,
    prepare: (planned, r) => prepareTarget(planned, r.settings, r.env),
    attempt: ({ adapter, target }, r, abort) => attemptOnce(adapter, target, r.body, r.stream, r.limits, abort),
    wait: waitUnlessAborted,
  };
}

/**
 * POST /v1/chat/completions: admit, read and validate, plan the route, run the attempts, answer
 * (whole or streamed), and finish the trace. Each step is its own module; an ApiError from any of
 * them is answered in OpenAI's shape.
 */
export async function handleChat(req: Request, deps: ChatDeps, token: TokenEntry | null, server?: Server<undefined>): Promise<Response> {
  const call = new Call();
  call.tokenName = token?.name ?? null;
  readMetadataHeaders(req.headers, call);
  const { admission } = deps;
  if (!admission.enter()) {
    const busy = new ApiError("engine_overloaded", `The engine is answering ${admission.max} requests already; retry shortly.`, null, { "retry-after": "1" });
    return failOpenAI(call, finishOnce(call, deps.writer, noop, deps.requestLog, deps.liveFeed), toWire(busy));
  }
  const finish = requestFinish(req, deps, call, server);
  try {
    return await chat(req, deps, call, finish, server);
  } catch (e) {
    if (e instanceof ApiError) return failOpenAI(call, finish, toWire(e));
    const bug = new ApiError("internal_error", String((e as Error)?.message ?? e));
    finish(bug.status, { type: bug.type, message: bug.message });
    throw e;
  }
}

export const noop = () => {};

/** The request's finish step, once admitted: the trace, then the slot and the connection's idle limit given back. */
export function requestFinish(
  req: Request,
  deps: Pick<ChatDeps, "admission" | "limits" | "writer" | "requestLog" | "liveFeed">,
  call: Call,
  server: Server<undefined> | undefined,
): Finish {
  const { admission, limits } = deps;
  return finishOnce(
    call,
    deps.writer,
    () => {
      admission.leave();
      // The slow-sender limit was lifted for this request's wait; give the keep-alive connection
      // its idle limit back, or idle clients would hold their sockets for ever.
      try {
        server?.timeout(req, connectionIdleSeconds(limits));
      } catch {
        // The connection is already gone.
      }
    },
    deps.requestLog,
    deps.liveFeed,
  );
}

async function chat(req: Request, deps: ChatDeps, call: Call, finish: Finish, server: Server<undefined> | undefined): Promise<Response> {
  // One snapshot per request: a config change mid-request applies to the next one, never half of this one.
  const settings = deps.settings.current;
  const { config } = settings;
  const raw = await readJsonBody(req, deps.limits, call.startedAt);
  // The request is in: from here the wait is the upstream's, which may take minutes.
  server?.timeout(req, 0);
  call.requested = requestedModel(raw);
  readMetadataBody(raw, call);
  let body = chatRequest(raw, deps.limits);
  call.stream = body.stream === true;
  call.request = body.messages;

  const plan = route(body.model, settings);
  call.alias = plan.alias;
  call.strategy = plan.strategy;
  if (plan.params) body = { ...body, ...plan.params };

  const request: ChatAttempt = { settings, env: deps.env, body, stream: call.stream, limits: attemptLimits(config, deps.limits.maxResponseBytes) };
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.startedAt);
  if (!outcome.ok) {
    if ("error" in outcome) return failOpenAI(call, finish, outcome.error);
    const gone = new ApiError("client_disconnected", "the client closed the connection before the answer started");
    finish(gone.status, { type: gone.type, message: gone.message });
    return new Response(null, { status: gone.status });
  }
  const { result, abort } = outcome;
  if ("completion" in result) return answerCompletion(call, config, finish, result.completion, result.text);
  const stream = relayStream(result.stream, {
    call,
    config,
    finish,
    clientWantsUsage: body.stream_options?.include_usage === true,
    keepText: deps.contentPolicy().content && !deps.writer.discards,
    abort,
  });
  return sseResponse(call, stream);
}

/** The plan for a model or alias; an unknown one is 404 model_not_found. */
export function route(model: string, settings: Settings): RoutePlan {
  try {
    return planRoute(model, settings.config);
  } catch (e) {
    if (e instanceof UnknownModel) throw new ApiError("model_not_found", e.message, "model");
    throw e;
  }
}
