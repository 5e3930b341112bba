import { rejectRequest } from "../../errors/vocabulary.ts";
import { badUpstream } from "../errors.ts";
import type { EmbeddingsBatch, EmbeddingsPart, EmbeddingsProtocol, Target, UpstreamRequest } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { googleErrorInBody } from "./errors.ts";
import { modelPath } from "./request.ts";
import { PROVIDER } from "./wire.ts";

/** "at most 100 requests can be in one batch" (BatchEmbedContentsRequest.requests). */
export const GEMINI_MAX_BATCH = 100;

/** One entry of BatchEmbedContentsRequest.requests. */
export interface EmbedContentRequest {
  model: string;
  content: { parts: { text: string }[] };
  outputDimensionality?: number;
  taskType?: string;
}

/**
 * `POST {root}/v1beta/models/{model}:batchEmbedContents`, key in x-goog-api-key. Each text is one
 * EmbedContentRequest naming the same model; `dimensions` becomes `outputDimensionality`, and a
 * Gemini `task_type` (RETRIEVAL_DOCUMENT, SEMANTIC_SIMILARITY…) sent beside OpenAI's fields goes
 * up as `taskType`. Token arrays cannot be sent: Gemini embeds text only.
 */
export function buildEmbeddingsRequest(batch: EmbeddingsBatch, target: Target): UpstreamRequest {
  const model = modelPath(target.model);
  const { body } = batch;
  const requests = batch.inputs.map((input): EmbedContentRequest => {
    if (typeof input !== "string") throw rejectRequest(`${PROVIDER} embeds text only; send 'input' as strings, not token arrays`, "input");
    const r: EmbedContentRequest = { model: decodeURIComponent(model), content: { parts: [{ text: input }] } };
    if (typeof body.dimensions === "number") r.outputDimensionality = body.dimensions;
    if (typeof body.task_type === "string") r.taskType = body.task_type;
    return r;
  });
  const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
  if (target.key) headers["x-goog-api-key"] = target.key;
  return { url: `${target.baseUrl}/v1beta/${model}:batchEmbedContents`, init: { method: "POST", headers, body: JSON.stringify({ requests }) } };
}

/**
 * `{"embeddings":[{"values":[…]}]}`, one per request in order. Gemini reports no token count for
 * embeddings: `promptTokens` is null (the answer's usage says 0 and the trace's input tokens stay
 * unknown, so no cost is made up).
 */
export function parseEmbeddingsResponse(text: string, _target: Target, batch: EmbeddingsBatch): EmbeddingsPart {
  const parsed = parseUpstreamJson(text, PROVIDER, "body");
  if (parsed && typeof parsed === "object" && parsed.error) throw googleErrorInBody(parsed.error);
  const list = parsed?.embeddings;
  if (!Array.isArray(list)) throw badUpstream(PROVIDER, "no embeddings array");
  if (list.length !== batch.inputs.length) throw badUpstream(PROVIDER, `${list.length} embeddings for ${batch.inputs.length} inputs`);
  const vectors = list.map((e: { values?: unknown }, i: number) => {
    if (!Array.isArray(e?.values)) throw badUpstream(PROVIDER, `embedding ${i} has no values`);
    return e.values as number[];
  });
  return { vectors, model: null, promptTokens: null };
}

export const geminiEmbeddings: EmbeddingsProtocol = {
  maxBatch: () => GEMINI_MAX_BATCH,
  buildRequest: buildEmbeddingsRequest,
  parseResponse: parseEmbeddingsResponse,
};
