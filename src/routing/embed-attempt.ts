import { ApiError, rejectRequest, toWire } from "../errors/vocabulary.ts";
import type { EmbeddingInput, EmbeddingsRequestBody, EmbeddingVector } from "../openai/embeddings.ts";
import { UpstreamError } from "../providers/errors.ts";
import type { EmbeddingsBatch, ProtocolAdapter, Target } from "../providers/types.ts";
import { type AttemptLimits, type AttemptResult, fetchWhole, type UpstreamFetch } from "./attempt.ts";

/** A whole embeddings answer from one target: a vector per input, in the request's order. */
export interface EmbeddingsSuccess {
  ok: true;
  status: number;
  vectors: EmbeddingVector[];
  /** what the upstream said answered; null when it does not say (Gemini, Cohere) */
  model: string | null;
  /** the input tokens the upstream counted over every batch; null when any batch reported none */
  promptTokens: number | null;
}

/** `inputs` in runs of at most `size`, in order. */
export function batches<T>(inputs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < inputs.length; i += size) out.push(inputs.slice(i, i + size));
  return out;
}

/**
 * One try of an embeddings request against one target: the inputs split into the protocol's
 * batch limit, the batches sent one after another (an upstream's per-minute limits are the
 * request's, not ours to multiply), the vectors put back in input order. The first batch that
 * fails fails the try, so the router retries or falls back with the whole request, exactly as for
 * a chat completion. A protocol that cannot embed is a 400 naming the provider.
 */
export async function attemptEmbeddings(
  adapter: ProtocolAdapter,
  target: Target,
  body: EmbeddingsRequestBody,
  inputs: readonly EmbeddingInput[],
  limits: AttemptLimits,
  abort: AbortController,
  upstreamFetch: UpstreamFetch = fetch,
): Promise<AttemptResult<EmbeddingsSuccess>> {
  const protocol = adapter.embeddings;
  const name = target.provider.name;
  if (!protocol) {
    const e = rejectRequest(
      `${name} does not offer embeddings through this gateway; use a model of openai, azure, gemini, cohere or another OpenAI-compatible provider`,
      "model",
    );
    return { ok: false, status: e.status, mapped: toWire(e) };
  }
  const vectors: EmbeddingVector[] = [];
  let model: string | null = null;
  let promptTokens: number | null = 0;
  let status = 200;
  for (const run of batches(inputs, protocol.maxBatch(target))) {
    const batch: EmbeddingsBatch = { body, inputs: run };
    let upstream;
    try {
      upstream = await protocol.buildRequest(batch, target);
    } catch (e) {
      if (e instanceof ApiError) return { ok: false, status: e.status, mapped: toWire(e) };
      if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
      throw e;
    }
    const whole = await fetchWhole(adapter, target, upstream, limits, abort, upstreamFetch);
    if (!whole.ok) return whole;
    let part;
    try {
      part = protocol.parseResponse(whole.text, target, batch);
    } catch (e) {
      if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
      throw e;
    }
    for (const v of part.vectors) vectors.push(v);
    model ??= part.model;
    promptTokens = promptTokens === null || part.promptTokens === null ? null : promptTokens + part.promptTokens;
    status = whole.status;
  }
  return { ok: true, status, vectors, model, promptTokens };
}
