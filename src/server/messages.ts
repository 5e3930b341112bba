import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import { countTokensRequest, estimateInputTokens } from "../dialects/anthropic-messages/count-tokens.ts";
import { anthropicError, anthropicErrorResponse } from "../dialects/anthropic-messages/errors.ts";
import { messagesRequest, toChatRequest } from "../dialects/anthropic-messages/request.ts";
import { toMessage } from "../dialects/anthropic-messages/response.ts";
import { MessagesStreamEncoder } from "../dialects/anthropic-messages/stream.ts";
import { type NativeRequest, NativeMessagesEncoder, nativeAdapter, speaksMessages } from "../dialects/anthropic-messages/native.ts";
import { ApiError, toWire, type WireError } from "../errors/vocabulary.ts";
import { providerIn } from "../config/custom-providers.ts";
import { attemptLimits, type UpstreamAccess } from "../routing/attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { type AttemptDeps, runAttempts } from "../routing/run-attempts.ts";
import { answerCompletion } from "./pipeline/answer.ts";
import type { Call } from "./call.ts";
import type { ChatDeps } from "./chat.ts";
import { type DialectAttempt, dialectAttempts, translateOrDefer } from "./pipeline/dialect-attempts.ts";
import { serveEndpoint } from "./pipeline/endpoint.ts";
import { planFor, routeFor } from "./pipeline/route.ts";
import type { Finish } from "./pipeline/finish.ts";
import { readMetadataBody } from "./pipeline/metadata.ts";
import { readCallBody, readJsonBody } from "./pipeline/read-body.ts";
import { failAttempts, sseResponse, TRACE_HEADER } from "./pipeline/respond.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/** One Messages request as the attempt loop hands it to each try: the translated request, and the client's own. */
export interface MessagesAttempt extends DialectAttempt {
  native: NativeRequest;
}

export type MessagesDeps = Omit<ChatDeps, "attempts"> & { attempts: AttemptDeps<MessagesAttempt> };

/** An Anthropic target gets the client's request as it is (native.ts); any other the translation. */
export const messagesAttempts = (health: TargetHealth, upstream: UpstreamAccess): AttemptDeps<MessagesAttempt> =>
  dialectAttempts<MessagesAttempt>(health, upstream, (target, _adapter, r) => (speaksMessages(target) ? nativeAdapter(r.native) : null));

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
  const raw = await readCallBody(req, deps.limits, call, server);
  const parsed = messagesRequest(raw, deps.limits);
  // Anthropic's metadata holds only user_id: the trace's user, and no tags.
  readMetadataBody({ user: parsed.metadata?.user_id }, call);
  call.stream = parsed.stream === true;
  // Refused only where it would have to be translated: an Anthropic target takes it as it is.
  const translated = translateOrDefer(
    parsed.model,
    call.stream,
    () => toChatRequest(parsed),
    (e) => e.code === "unsupported_parameter",
  );
  let body = translated.body;
  const { untranslatable } = translated;
  call.request = untranslatable ? parsed.messages : body.messages;
  // A request kept in Anthropic's own shape has no chat params to go with it.
  if (!untranslatable) call.body = body;
  const native: NativeRequest = {
    body: raw as Record<string, unknown>,
    version: req.headers.get("anthropic-version"),
    beta: req.headers.get("anthropic-beta"),
  };

  const plan = routeFor(call, body.model, settings);
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
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.t0);
  if (!outcome.ok) return failAttempts(call, finish, outcome, failAnthropic);
  const { result, abort } = outcome;
  // Which way the answer came: the target that gave it.
  const relayed = providerIn(config, call.provider ?? "")?.protocol === "anthropic";
  if ("completion" in result)
    return answerCompletion(call, config, finish, result.completion, relayed ? result.text : null, (c) => toMessage(c, call.id, call.requested));
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
    const raw = await readJsonBody(req, deps.limits, performance.now());
    const body = countTokensRequest(raw, deps.limits);
    planFor(body.model, deps.settings.current);
    return Response.json({ input_tokens: estimateInputTokens(body) });
  } catch (e) {
    if (e instanceof ApiError) return anthropicErrorResponse(toWire(e));
    throw e;
  }
}
