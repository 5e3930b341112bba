import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Config } from "../config/schema.ts";
import { countTokensRequest, estimateInputTokens } from "../dialects/anthropic-messages/count-tokens.ts";
import { anthropicError, anthropicErrorResponse } from "../dialects/anthropic-messages/errors.ts";
import { messagesRequest, toChatRequest } from "../dialects/anthropic-messages/request.ts";
import { toMessage } from "../dialects/anthropic-messages/response.ts";
import { MessagesStreamEncoder } from "../dialects/anthropic-messages/stream.ts";
import { ApiError, toWire, type WireError } from "../errors/vocabulary.ts";
import type { ChatCompletion } from "../openai/schema.ts";
import { attemptLimits } from "../routing/attempt.ts";
import { runAttempts } from "../routing/run-attempts.ts";
import { Call } from "./call.ts";
import { type ChatAttempt, type ChatDeps, noop, requestFinish, route } from "./chat.ts";
import { type Finish, finishOnce } from "./pipeline/finish.ts";
import { readMetadataBody, readMetadataHeaders } from "./pipeline/metadata.ts";
import { readJsonBody, requestedModel } from "./pipeline/read-body.ts";
import { sseResponse, TRACE_HEADER } from "./pipeline/respond.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/**
 * POST /v1/messages, Anthropic's Messages API: the chat pipeline with the two per-API steps
 * swapped. The request is validated as Anthropic's and translated to the engine's OpenAI request
 * (dialects/anthropic-messages), then planned, attempted, priced and traced exactly like a chat
 * completion; the answer goes back as an Anthropic Message or Anthropic's event stream, and every
 * error in Anthropic's shape. No client header reaches an upstream, so `anthropic-beta` values are
 * never forwarded.
 */
export async function handleMessages(req: Request, deps: ChatDeps, token: TokenEntry | null, server?: Server<undefined>): Promise<Response> {
  const call = new Call();
  call.api = "messages";
  call.tokenName = token?.name ?? null;
  readMetadataHeaders(req.headers, call);
  const { admission } = deps;
  if (!admission.enter()) {
    const busy = new ApiError("engine_overloaded", `The engine is answering ${admission.max} requests already; retry shortly.`, null, { "retry-after": "1" });
    return failAnthropic(call, finishOnce(call, deps.writer, noop, deps.requestLog, deps.liveFeed), toWire(busy));
  }
  const finish = requestFinish(req, deps, call, server);
  try {
    return await messages(req, deps, call, finish, server);
  } catch (e) {
    if (e instanceof ApiError) return failAnthropic(call, finish, toWire(e));
    const bug = new ApiError("internal_error", String((e as Error)?.message ?? e));
    finish(bug.status, { type: bug.type, message: bug.message });
    throw e;
  }
}

async function messages(req: Request, deps: ChatDeps, call: Call, finish: Finish, server: Server<undefined> | undefined): Promise<Response> {
  const settings = deps.settings.current;
  const { config } = settings;
  const raw = await readJsonBody(req, deps.limits, call.startedAt);
  server?.timeout(req, 0);
  call.requested = requestedModel(raw);
  let body = toChatRequest(messagesRequest(raw, deps.limits));
  // The translated body: metadata.user_id has become `user`; Anthropic's metadata holds no tags.
  readMetadataBody(body, call);
  call.stream = body.stream === true;
  call.request = body.messages;

  const plan = route(body.model, settings);
  call.alias = plan.alias;
  call.strategy = plan.strategy;
  if (plan.params) body = { ...body, ...plan.params };

  const request: ChatAttempt = { settings, env: deps.env, body, stream: call.stream, limits: attemptLimits(config, deps.limits.maxResponseBytes) };
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.startedAt);
  if (!outcome.ok) {
    if ("error" in outcome) return failAnthropic(call, finish, outcome.error);
    const gone = new ApiError("client_disconnected", "the client closed the connection before the answer started");
    finish(gone.status, { type: gone.type, message: gone.message });
    return new Response(null, { status: gone.status });
  }
  const { result, abort } = outcome;
  if ("completion" in result) return answerMessage(call, config, finish, result.completion);
  const stream = relayStream(result.stream, {
    call,
    config,
    finish,
    clientWantsUsage: false,
    keepText: deps.contentPolicy().content && !deps.writer.discards,
    abort,
    encoder: new MessagesStreamEncoder(call.id, call.requested),
  });
  return sseResponse(call, stream);
}

/** A whole answer as an Anthropic Message, with the extras at the top level. */
function answerMessage(call: Call, config: Config, finish: Finish, completion: ChatCompletion): Response {
  call.markFirstByte();
  call.setUsage(completion.usage, config, completion.model);
  call.finishReason = completion.choices[0]?.finish_reason ?? null;
  call.toolCalls = completion.choices.reduce((n, c) => n + (Array.isArray(c.message?.tool_calls) ? c.message.tool_calls.length : 0), 0);
  call.response = completion.choices.map((c) => c.message);
  const out = JSON.stringify({ ...toMessage(completion, call.id, call.requested), ...call.extras() });
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
    route(body.model, deps.settings.current);
    return Response.json({ input_tokens: estimateInputTokens(body) });
  } catch (e) {
    if (e instanceof ApiError) return anthropicErrorResponse(toWire(e));
    throw e;
  }
}
