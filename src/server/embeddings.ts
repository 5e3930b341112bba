import type { Server } from "bun";
import type { TokenEntry } from "../auth/tokens.ts";
import type { Settings } from "../config/live.ts";
import { type EmbeddingInput, type EmbeddingsRequestBody, embeddingInputs } from "../openai/embeddings.ts";
import { type AttemptLimits, attemptLimits, prepareTarget, type UpstreamAccess } from "../routing/attempt.ts";
import { attemptEmbeddings, type EmbeddingsSuccess } from "../routing/embed-attempt.ts";
import type { TargetHealth } from "../routing/health.ts";
import { type AttemptDeps, runAttempts, waitUnlessAborted } from "../routing/run-attempts.ts";
import type { Call } from "./call.ts";
import { answerEmbeddings } from "./pipeline/answer-embeddings.ts";
import { embeddingsRequest } from "./pipeline/embeddings-request.ts";
import { type EndpointDeps, serveEndpoint } from "./pipeline/endpoint.ts";
import type { Finish } from "./pipeline/finish.ts";
import { readMetadataBody } from "./pipeline/metadata.ts";
import { readCallBody } from "./pipeline/read-body.ts";
import { failAttempts } from "./pipeline/respond.ts";
import { routeFor } from "./pipeline/route.ts";

/** What the embeddings endpoint uses of the engine. */
export interface EmbeddingsDeps extends EndpointDeps {
  settings: { readonly current: Settings };
  env: NodeJS.ProcessEnv;
  attempts: AttemptDeps<EmbeddingsAttempt, EmbeddingsSuccess>;
}

/** One embeddings request as the attempt loop hands it to each try. */
interface EmbeddingsAttempt {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  body: EmbeddingsRequestBody;
  inputs: EmbeddingInput[];
  limits: AttemptLimits;
}

/** The attempt loop's real world for embeddings, built once per engine. */
export function embeddingsAttempts(health: TargetHealth, upstream: UpstreamAccess): AttemptDeps<EmbeddingsAttempt, EmbeddingsSuccess> {
  const { fetch: send, offline } = upstream;
  return {
    health,
    prepare: (planned, r) => prepareTarget(planned, r.settings, r.env, offline),
    attempt: ({ adapter, target }, r, abort) => attemptEmbeddings(adapter, target, r.body, r.inputs, r.limits, abort, send),
    wait: waitUnlessAborted,
  };
}

/**
 * POST /v1/embeddings: the chat endpoint's steps with embeddings' own validate and answer: admit,
 * read, validate, plan (aliases and fallbacks as for chat), run the attempts (each one every batch
 * of the inputs), answer, finish. The trace keeps the input texts under the content policy, never
 * the vectors.
 */
export function handleEmbeddings(req: Request, deps: EmbeddingsDeps, token: TokenEntry | null, server?: Server<undefined>): Promise<Response> {
  return serveEndpoint(req, deps, token, server, "embeddings", (call, finish) => embeddings(req, deps, call, finish, server));
}

async function embeddings(req: Request, deps: EmbeddingsDeps, call: Call, finish: Finish, server: Server<undefined> | undefined): Promise<Response> {
  const settings = deps.settings.current;
  const { config } = settings;
  const raw = await readCallBody(req, deps.limits, call, server);
  readMetadataBody(raw, call);
  const body = embeddingsRequest(raw, deps.limits);
  const inputs = embeddingInputs(body.input);
  call.request = inputs;

  const plan = routeFor(call, body.model, settings);
  // An alias's params are chat parameters (temperature, max_tokens): an embeddings API refuses
  // them, so they are not applied here.

  const request: EmbeddingsAttempt = { settings, env: deps.env, body, inputs, limits: attemptLimits(config, deps.limits.maxResponseBytes) };
  const outcome = await runAttempts(plan, request, deps.attempts, req.signal, call, call.t0);
  if (!outcome.ok) return failAttempts(call, finish, outcome);
  return answerEmbeddings(call, config, finish, body, outcome.result);
}
