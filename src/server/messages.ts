import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Config } from "../config/schema.ts";
import { countTokensRequest, estimateInputTokens } from "../dialects/anthropic-messages/count-tokens.ts";
import { anthropicError, anthropicErrorResponse } from "../dialects/anthropic-messages/errors.ts";
import { messagesRequest, toChatRequest } from "../dialects/anthropic-messages/request.ts";
import { toMessage } from "../dialects/anthropic-messages/response.ts";
import { MessagesStreamEncoder } from "../dialects/anthropic-messages/stream.ts";
import { type NativeRequest, NativeMessagesEncoder, nativeAdapter, speaksMessages } from "../dialects/anthropic-messages/native.ts";
import { ApiError, toWire, type WireError } from "../errors/vocabulary.ts";
import type { ChatCompletion, ChatRequestBody } from "../openai/schema.ts";
import { getProvider } from "../providers/registry.ts";
import { attemptLimits, attemptOnce, prepareTarget } from "../routing/attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { type AttemptDeps, runAttempts, waitUnlessAborted } from "../routing/run-attempts.ts";
import { spliceExtras } from "./pipeline/splice-extras.ts";
import type { Call } from "./call.ts";
import type { ChatAttempt, ChatDeps } from "./chat.ts";
import { serveEndpoint } from "./pipeline/endpoint.ts";
import { routeFor } from "./pipeline/route.ts";
import type { Finish } from "./pipeline/finish.ts";
import { readMetadataBody } from "./pipeline/metadata.ts";
import { readJsonBody, requestedModel } from "./pipeline/read-body.ts";
import { sseResponse, TRACE_HEADER } from "./pipeline/respond.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/** One Messages request as the attempt loop hands it to each try: the translated request, and the client's own. */
export interface MessagesAttempt extends ChatAttempt {
  native: NativeRequest;
  /** Why the request cannot be translated for a non-Anthropic target (a server tool, a document block), if it cannot. */
  untranslatable: ApiError | null;
}

export type MessagesDeps = Omit<ChatDeps, "attempts"> & { attempts: AttemptDeps<MessagesAttempt> };

/**
 * The attempt loop's real world for Messages, built once per engine: a target that speaks the
 * Messages API gets the client's request as it is (native.ts); any other gets the translation,
 * or, when there is none, the 400 that says why (the loop answers a 400 at once).
 */
export function messagesAttempts(health: TargetHealth): AttemptDeps<MessagesAttempt> {
  return {
    health,
    prepare: (planned, r) => prepareTarget(planned, r.settings, r.env),
    attempt: async ({ adapter, target }, r, abort) => {
      if (speaksMessages(target)) return attemptOnce(nativeAdapter(r.native), target, r.body, r.stream, r.limits, abort);
      if (r.untranslatable) return { ok: false, status: r.untranslatable.status, mapped: toWire(r.untranslatable) };
      return attemptOnce(adapter, target, r.body, r.stream, r.limits, abort);
    },
    wait: waitUnlessAborted,
  };
}

/**
 * POST /v1/messages, Anthropic's Messages API: the chat pipeline with the two per-API steps
 * swapped. The request is validated as Anthropic's, then planned, attempted, priced and traced
 * exactly like a chat completion. A target that speaks the Messages API (Anthropic) gets the
 * client's request as it is, `anthropic-beta` and `anthropic-version` included, and its answer
 * goes back as sent, with the extras added; any other target gets the request translated to the
 * engine's OpenAI request (dialects/anthropic-messages), and its answer translated back to an
 * Anthropic Message or event stream. No other client header reaches an upstream, so
 * `anthropic-beta` never reaches a target that cannot honour it. Every error is in Anthropic's shape.
 */
export function handleMessages(req: Request, deps: MessagesDeps, token: TokenEntry | null, server?: Server<undefined>): Promise<Response> {
  return serveEndpoint(req, deps, token, server, "messages", (call, finish) => messages(req, deps, call, finish, server), failAnthropic);
}

async function messages(req: Request, deps: MessagesDeps, call: Call, finish: Finish, server: Server<undefined> | undefined): Promise<Response> {
  const settings = deps.settings.current;
  const { config } = settings;
  const raw = await readJsonBody(req, deps.limits, call.startedAt);
  server?.timeout(req, 0);
  call.requested = requestedModel(raw);
  const parsed = messagesRequest(raw, deps.limits);
  // Anthropic's metadata holds only user_id: the trace's user, and no tags.
  readMetadataBody({ user: parsed.metadata?.user_id }, call);
  call.stream = parsed.stream === true;
  let body: ChatRequestBody;
  let untranslatable: ApiError | null = null;
  try {
    body = toChatRequest(parsed);
    call.request = body.messages;
  } catch (e) {
    // Refused only where it would have to be translated: an Anthropic target takes it as it is.
    if (!(e instanceof ApiError) || e.code !== "unsupported_parameter") throw e;
    untranslatable = e;
    body = { model: parsed.model, messages: [], stream: call.stream };
    call.request = parsed.messages;
  }
  const native: NativeRequest = {
    body: raw as Record<string, unknown>,
    version: req.headers.get("anthropic-version"),
    beta: req.headers.get("anthropic-beta"),
  };

  const plan = routeFor(body.model, settings, call.allow, call.tokenName ?? "");
  call.alias = plan.alias;
  call.strategy = plan.strategy;
  if (plan.params) body = { ...body, ...plan.params };

  const request: MessagesAttempt = {
    settings,
    env: deps.env,
    body,
    stream: call.stream,
    limits: attemptLimits(config, deps.limits.maxResponseBytes),
    native,
    untranslatable,
  };
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.startedAt);
  if (!outcome.ok) {
    if ("error" in outcome) return failAnthropic(call, finish, outcome.error);
    const gone = new ApiError("client_disconnected", "the client closed the connection before the answer started");
    finish(gone.status, { type: gone.type, message: gone.message });
    return new Response(null, { status: gone.status });
  }
  const { result, abort } = outcome;
  // Which way the answer came: the target that gave it.
  const relayed = getProvider(call.provider ?? "")?.protocol === "anthropic";
  if ("completion" in result) return answerMessage(call, config, finish, result.completion, relayed ? result.text : null);
  const stream = relayStream(result.stream, {
    call,
    config,
    finish,
    clientWantsUsage: false,
    keepText: deps.contentPolicy().content && !deps.writer.discards,
    abort,
    encoder: relayed ? new NativeMessagesEncoder() : new MessagesStreamEncoder(call.id, call.requested),
  });
  return sseResponse(call, stream);
}

/** A whole answer as an Anthropic Message (Anthropic's own text when it answered), with the extras at the top level. */
function answerMessage(call: Call, config: Config, finish: Finish, completion: ChatCompletion, nativeText: string | null): Response {
  call.markFirstByte();
  call.setUsage(completion.usage, config, completion.model);
  call.finishReason = completion.choices[0]?.finish_reason ?? null;
  call.toolCalls = completion.choices.reduce((n, c) => n + (Array.isArray(c.message?.tool_calls) ? c.message.tool_calls.length : 0), 0);
  call.response = completion.choices.map((c) => c.message);
  const extras = call.extras();
  const out = (nativeText !== null && spliceExtras(nativeText, extras)) || JSON.stringify({ ...toMessage(completion, call.id, call.requested), ...extras });
  finish(200, null);
  return new Response(out, { status: 200, headers: { "content-type": "application/json", [TRACE_HEADER]: call.id } });
}

/** An error in Anthropic's shape, with the trace id, after the trace records it (with the status the client got). */
function failAnthropic(call: Call, finish: Finish, e: WireError): Response {
  const status = anthropicError(e).status;
  finish(status, { type: e.error.type, message: e.error.message });
  return anthropicErrorResponse(e, { [TRACE_HEADER]: call.id }, call.id);
}

/**
 * POST /v1/messages/count_tokens: `{"input_tokens": N}`, estimated (count-tokens.ts) for any
 * model the engine can route; an unknown model is a 404 as on /v1/messages. Not a model call, so
 * no trace.
 */
export async function handleCountTokens(req: Request, deps: Pick<ChatDeps, "settings" | "limits">): Promise<Response> {
  try {
    const raw = await readJsonBody(req, deps.limits, Date.now());
    const body = countTokensRequest(raw, deps.limits);
    routeFor(body.model, deps.settings.current);
    return Response.json({ input_tokens: estimateInputTokens(body) });
  } catch (e) {
    if (e instanceof ApiError) return anthropicErrorResponse(toWire(e));
    throw e;
  }
}
