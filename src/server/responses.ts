import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Config } from "../config/schema.ts";
import { NativeResponsesEncoder, nativeAdapter, speaksResponses } from "../dialects/responses/native.ts";
import { responsesRequest, toChatRequest } from "../dialects/responses/request.ts";
import { toResponse } from "../dialects/responses/response.ts";
import type { ResponsesRequestBody } from "../dialects/responses/schema.ts";
import { ResponsesStreamEncoder } from "../dialects/responses/stream.ts";
import { ApiError, rejectRequest, toWire } from "../errors/vocabulary.ts";
import type { ChatCompletion, ChatRequestBody } from "../openai/schema.ts";
import { providerIn } from "../config/custom-providers.ts";
import { attemptLimits, attemptOnce, prepareTarget } from "../routing/attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { type AttemptDeps, runAttempts, waitUnlessAborted } from "../routing/run-attempts.ts";
import type { Call } from "./call.ts";
import type { ChatAttempt, ChatDeps } from "./chat.ts";
import { serveEndpoint } from "./pipeline/endpoint.ts";
import type { Finish } from "./pipeline/finish.ts";
import { readMetadataBody } from "./pipeline/metadata.ts";
import { readJsonBody, requestedModel } from "./pipeline/read-body.ts";
import { failOpenAI, sseResponse, TRACE_HEADER } from "./pipeline/respond.ts";
import { routeFor } from "./pipeline/route.ts";
import { spliceExtras } from "./pipeline/splice-extras.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/** One Responses request as the attempt loop hands it to each try: the translation, and the client's own body. */
export interface ResponsesAttempt extends ChatAttempt {
  native: Record<string, unknown>;
  /** Why the request cannot be translated for a target without the Responses API, if it cannot. */
  untranslatable: ApiError | null;
}

export type ResponsesDeps = Omit<ChatDeps, "attempts"> & { attempts: AttemptDeps<ResponsesAttempt> };

/**
 * The attempt loop's real world for Responses, built once per engine: a target that serves the
 * Responses API (OpenAI, Azure) gets the client's request as it is (dialects/responses/native.ts);
 * any other the chat translation, or the 400 that says why there is none.
 */
export function responsesAttempts(health: TargetHealth): AttemptDeps<ResponsesAttempt> {
  return {
    health,
    prepare: (planned, r) => prepareTarget(planned, r.settings, r.env),
    attempt: async ({ adapter, target }, r, abort) => {
      if (speaksResponses(target.provider)) return attemptOnce(nativeAdapter(adapter, r.native), target, r.body, r.stream, r.limits, abort);
      if (r.untranslatable) return { ok: false, status: r.untranslatable.status, mapped: toWire(r.untranslatable) };
      return attemptOnce(adapter, target, r.body, r.stream, r.limits, abort);
    },
    wait: waitUnlessAborted,
  };
}

/**
 * POST /v1/responses, OpenAI's Responses API (Codex CLI, `client.responses.create`): the chat
 * pipeline with the two per-API steps swapped, exactly as /v1/messages. OpenAI and Azure targets
 * get the client's body on their own `/responses` and their answer back as sent, with the extras;
 * every other target gets the request translated to the engine's chat request, and its answer
 * translated back to a Response or the Responses event stream. Errors are in OpenAI's shape.
 */
export function handleResponses(req: Request, deps: ResponsesDeps, token: TokenEntry | null, server?: Server<undefined>): Promise<Response> {
  return serveEndpoint(req, deps, token, server, "responses", (call, finish) => responses(req, deps, call, finish, server));
}

async function responses(req: Request, deps: ResponsesDeps, call: Call, finish: Finish, server: Server<undefined> | undefined): Promise<Response> {
  const settings = deps.settings.current;
  const { config } = settings;
  const raw = await readJsonBody(req, deps.limits, call.startedAt);
  server?.timeout(req, 0);
  call.requested = requestedModel(raw);
  const parsed = responsesRequest(raw, deps.limits);
  readMetadataBody({ user: parsed.user, metadata: parsed.metadata }, call);
  call.stream = parsed.stream === true;
  let body: ChatRequestBody;
  let untranslatable: ApiError | null = null;
  try {
    body = toChatRequest(parsed);
    call.request = body.messages;
  } catch (e) {
    // Refused only where it would have to be translated: OpenAI and Azure take it as it is.
    if (!(e instanceof ApiError) || e.status !== 400) throw e;
    untranslatable = e;
    body = { model: parsed.model, messages: [], stream: call.stream };
    call.request = parsed.input ?? null;
  }
  if (parsed.previous_response_id && !untranslatable) {
    untranslatable = rejectRequest(
      "previous_response_id needs the conversation OpenAI stored; the engine stores none, and this target is not OpenAI or Azure. Send the whole conversation in `input` instead.",
      "previous_response_id",
    );
  }

  const plan = routeFor(body.model, settings);
  call.alias = plan.alias;
  call.strategy = plan.strategy;
  if (plan.params) body = { ...body, ...plan.params };

  const request: ResponsesAttempt = {
    settings,
    env: deps.env,
    body,
    stream: call.stream,
    limits: attemptLimits(config, deps.limits.maxResponseBytes),
    native: raw as Record<string, unknown>,
    untranslatable,
  };
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.startedAt);
  if (!outcome.ok) {
    if ("error" in outcome) return failOpenAI(call, finish, outcome.error);
    const gone = new ApiError("client_disconnected", "the client closed the connection before the answer started");
    finish(gone.status, { type: gone.type, message: gone.message });
    return new Response(null, { status: gone.status });
  }
  const { result, abort } = outcome;
  const provider = providerIn(config, call.provider ?? "");
  // Which way the answer came: the target that gave it.
  const relayed = provider !== undefined && speaksResponses(provider);
  if ("completion" in result) return answerResponse(call, config, finish, result.completion, relayed ? result.text : null, parsed);
  const stream = relayStream(result.stream, {
    call,
    config,
    finish,
    clientWantsUsage: false,
    keepText: deps.contentPolicy().content && !deps.writer.discards,
    abort,
    encoder: relayed ? new NativeResponsesEncoder() : new ResponsesStreamEncoder(call.id, call.requested, parsed),
  });
  return sseResponse(call, stream);
}

/** A whole answer as a Response (OpenAI's or Azure's own text when it answered), with the extras at the top level. */
function answerResponse(
  call: Call,
  config: Config,
  finish: Finish,
  completion: ChatCompletion,
  nativeText: string | null,
  req: ResponsesRequestBody,
): Response {
  call.markFirstByte();
  call.setUsage(completion.usage, config, completion.model);
  call.finishReason = completion.choices[0]?.finish_reason ?? null;
  call.toolCalls = completion.choices.reduce((n, c) => n + (Array.isArray(c.message?.tool_calls) ? c.message.tool_calls.length : 0), 0);
  call.response = completion.choices.map((c) => c.message);
  const extras = call.extras();
  const out =
    (nativeText !== null && spliceExtras(nativeText, extras)) || JSON.stringify({ ...toResponse(completion, call.id, req, call.requested), ...extras });
  finish(200, null);
  return new Response(out, { status: 200, headers: { "content-type": "application/json", [TRACE_HEADER]: call.id } });
}
