import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import { NativeResponsesEncoder, nativeAdapter, speaksResponses } from "../dialects/responses/native.ts";
import { responsesRequest, toChatRequest } from "../dialects/responses/request.ts";
import { toResponse } from "../dialects/responses/response.ts";
import { ResponsesStreamEncoder } from "../dialects/responses/stream.ts";
import { rejectRequest } from "../errors/vocabulary.ts";
import { providerIn } from "../config/custom-providers.ts";
import { attemptLimits, type UpstreamAccess } from "../routing/attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { type AttemptDeps, runAttempts } from "../routing/run-attempts.ts";
import type { Call } from "./call.ts";
import type { ChatDeps } from "./chat.ts";
import { type DialectAttempt, dialectAttempts, translateOrDefer } from "./pipeline/dialect-attempts.ts";
import { serveEndpoint } from "./pipeline/endpoint.ts";
import type { Finish } from "./pipeline/finish.ts";
import { readMetadataBody } from "./pipeline/metadata.ts";
import { readCallBody } from "./pipeline/read-body.ts";
import { failAttempts, sseResponse } from "./pipeline/respond.ts";
import { routeFor } from "./pipeline/route.ts";
import { answerCompletion } from "./pipeline/answer.ts";
import { relayStream } from "./pipeline/stream-relay.ts";

/** One Responses request as the attempt loop hands it to each try: the translation, and the client's own body. */
export interface ResponsesAttempt extends DialectAttempt {
  native: Record<string, unknown>;
}

export type ResponsesDeps = Omit<ChatDeps, "attempts"> & { attempts: AttemptDeps<ResponsesAttempt> };

/** A target that serves the Responses API (OpenAI, Azure) gets the client's request as it is (dialects/responses/native.ts); any other the chat translation. */
export const responsesAttempts = (health: TargetHealth, upstream: UpstreamAccess): AttemptDeps<ResponsesAttempt> =>
  dialectAttempts<ResponsesAttempt>(health, upstream, (target, adapter, r) => (speaksResponses(target.provider) ? nativeAdapter(adapter, r.native) : null));

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
  const raw = await readCallBody(req, deps.limits, call, server);
  const parsed = responsesRequest(raw, deps.limits);
  readMetadataBody({ user: parsed.user, metadata: parsed.metadata }, call);
  call.stream = parsed.stream === true;
  // Refused only where it would have to be translated: OpenAI and Azure take it as it is.
  const translated = translateOrDefer(
    parsed.model,
    call.stream,
    () => toChatRequest(parsed),
    (e) => e.status === 400,
  );
  let body = translated.body;
  let { untranslatable } = translated;
  call.request = untranslatable ? (parsed.input ?? null) : body.messages;
  if (!untranslatable) call.body = body;
  if (parsed.previous_response_id && !untranslatable) {
    untranslatable = rejectRequest(
      "previous_response_id needs the conversation OpenAI stored; the engine stores none, and this target is not OpenAI or Azure. Send the whole conversation in `input` instead.",
      "previous_response_id",
    );
  }

  const plan = routeFor(call, body.model, settings);
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
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.t0);
  if (!outcome.ok) return failAttempts(call, finish, outcome);
  const { result, abort } = outcome;
  const provider = providerIn(config, call.provider ?? "");
  // Which way the answer came: the target that gave it.
  const relayed = provider !== undefined && speaksResponses(provider);
  if ("completion" in result)
    return answerCompletion(call, config, finish, result.completion, relayed ? result.text : null, (c) => toResponse(c, call.id, parsed, call.requested));
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
