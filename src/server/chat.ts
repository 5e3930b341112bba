import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Settings } from "../config/live.ts";
import { type AttemptLimits, attemptLimits, attemptOnce, prepareTarget, type UpstreamAccess } from "../routing/attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { type AttemptDeps, runAttempts, waitUnlessAborted } from "../routing/run-attempts.ts";
import type { ChatRequestBody } from "../openai/schema.ts";
import type { ContentPolicy } from "../traces/writer.ts";
import type { Call } from "./call.ts";
import { answerCompletion } from "./pipeline/answer.ts";
import { chatRequest } from "./pipeline/chat-request.ts";
import { type EndpointDeps, serveEndpoint } from "./pipeline/endpoint.ts";
import type { Finish } from "./pipeline/finish.ts";
import { readMetadataBody } from "./pipeline/metadata.ts";
import { readCallBody } from "./pipeline/read-body.ts";
import { failAttempts, sseResponse } from "./pipeline/respond.ts";
import { routeFor } from "./pipeline/route.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/** What the chat endpoint uses of the engine, and nothing more. */
export interface ChatDeps extends EndpointDeps {
  settings: { readonly current: Settings };
  env: NodeJS.ProcessEnv;
  contentPolicy(): ContentPolicy;
  attempts: AttemptDeps<ChatAttempt>;
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
export function chatAttempts(health: TargetHealth, upstream: UpstreamAccess): AttemptDeps<ChatAttempt> {
  const { fetch: send, offline } = upstream;
  return {
    health,
    prepare: (planned, r) => prepareTarget(planned, r.settings, r.env, offline),
    attempt: ({ adapter, target }, r, abort) => attemptOnce(adapter, target, r.body, r.stream, r.limits, abort, send),
    wait: waitUnlessAborted,
  };
}

/**
 * POST /v1/chat/completions: admit, read and validate, plan the route, run the attempts, answer
 * (whole or streamed), and finish the trace. Each step is its own module; an ApiError from any of
 * them is answered in OpenAI's shape.
 */
export function handleChat(req: Request, deps: ChatDeps, token: TokenEntry | null, server?: Server<undefined>): Promise<Response> {
  return serveEndpoint(req, deps, token, server, "chat", (call, finish) => chat(req, deps, call, finish, server));
}

async function chat(req: Request, deps: ChatDeps, call: Call, finish: Finish, server: Server<undefined> | undefined): Promise<Response> {
  // One snapshot per request: a config change mid-request applies to the next one, never half of this one.
  const settings = deps.settings.current;
  const { config } = settings;
  const raw = await readCallBody(req, deps.limits, call, server);
  readMetadataBody(raw, call);
  let body = chatRequest(raw, deps.limits);
  call.stream = body.stream === true;
  call.request = body.messages;
  call.body = body;

  const plan = routeFor(call, body.model, settings);
  if (plan.params) body = { ...body, ...plan.params };

  const request: ChatAttempt = { settings, env: deps.env, body, stream: call.stream, limits: attemptLimits(config, deps.limits.maxResponseBytes) };
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.t0);
  if (!outcome.ok) return failAttempts(call, finish, outcome);
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
