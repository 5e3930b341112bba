import { rejectRequest } from "../../errors/vocabulary.ts";
import { badUpstream } from "../errors.ts";
import type { EmbeddingsBatch, EmbeddingsPart, EmbeddingsProtocol, Target, UpstreamRequest } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { PROVIDER } from "./wire.ts";

/** Cohere's limit on `texts` per call ("Maximum number of texts per call is 96"). */
export const COHERE_MAX_BATCH = 96;

/**
 * What Cohere's v3+ models require and OpenAI's API has no word for: the default treats inputs as
 * documents to search, and a client says otherwise with `input_type` beside OpenAI's fields.
 */
export const DEFAULT_INPUT_TYPE = "search_document";

export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ["float"];
  output_dimension?: number;
  truncate?: string;
}

/**
 * `POST {COHERE_BASE_URL}/v2/embed` with a Bearer key. Floats are always asked for
 * (`embedding_types: ["float"]`); base64 for the client is encoded from them, as OpenAI encodes
 * it. `dimensions` becomes `output_dimension` (embed-v4: 256, 512, 1024, 1536).
 */
export function buildEmbeddingsRequest(batch: EmbeddingsBatch, target: Target): UpstreamRequest {
  const { body } = batch;
  const texts = batch.inputs.map((input) => {
    if (typeof input !== "string") throw rejectRequest(`${PROVIDER} embeds text only; send 'input' as strings, not token arrays`, "input");
    return input;
  });
  const native: CohereEmbedRequest = {
    model: target.model,
    texts,
    input_type: typeof body.input_type === "string" ? body.input_type : DEFAULT_INPUT_TYPE,
    embedding_types: ["float"],
  };
  if (typeof body.dimensions === "number") native.output_dimension = body.dimensions;
  if (typeof body.truncate === "string") native.truncate = body.truncate;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...target.headers };
  if (target.key) headers.authorization = `Bearer ${target.key}`;
  return { url: `${target.baseUrl}/v2/embed`, init: { method: "POST", headers, body: JSON.stringify(native) } };
}

/** `{"embeddings":{"float":[[…]]},"meta":{"billed_units":{"input_tokens":N}}}`; Cohere does not name the model. */
export function parseEmbeddingsResponse(text: string, _target: Target, batch: EmbeddingsBatch): EmbeddingsPart {
  const parsed = parseUpstreamJson(text, PROVIDER, "body");
  const floats = parsed?.embeddings?.float;
  if (!Array.isArray(floats)) throw badUpstream(PROVIDER, "no embeddings.float array");
  if (floats.length !== batch.inputs.length) throw badUpstream(PROVIDER, `${floats.length} embeddings for ${batch.inputs.length} texts`);
  for (const [i, v] of floats.entries()) if (!Array.isArray(v)) throw badUpstream(PROVIDER, `embedding ${i} is not an array`);
  const tokens = parsed?.meta?.billed_units?.input_tokens;
  return { vectors: floats as number[][], model: null, promptTokens: typeof tokens === "number" ? tokens : null };
}

export const cohereEmbeddings: EmbeddingsProtocol = {
  maxBatch: () => COHERE_MAX_BATCH,
  buildRequest: buildEmbeddingsRequest,
  parseResponse: parseEmbeddingsResponse,
};
