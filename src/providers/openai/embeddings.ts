import { MAX_EMBEDDING_INPUTS } from "../../openai/embeddings.ts";
import { badUpstream, UpstreamError } from "../errors.ts";
import type { EmbeddingsBatch, EmbeddingsPart, EmbeddingsProtocol, Target, UpstreamRequest } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { errorFromBody } from "./errors.ts";

/**
 * `POST {base_url}/embeddings` with a Bearer key: the client's body as written (every field kept,
 * `encoding_format` and `dimensions` included), with `model` and the batch's inputs replaced.
 */
export function buildEmbeddingsRequest(batch: EmbeddingsBatch, target: Target): UpstreamRequest {
  const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
  if (target.key) headers.authorization = `Bearer ${target.key}`;
  return { url: `${target.baseUrl}/embeddings`, init: { method: "POST", headers, body: JSON.stringify(upstreamBody(batch, target.model)) } };
}

/** The body an OpenAI-dialect upstream gets: the client's, with `model` and the batch's inputs. */
export function upstreamBody(batch: EmbeddingsBatch, model: string): Record<string, unknown> {
  const { body, inputs } = batch;
  // A request that was one input goes up in the client's own shape (a string, a token array).
  const input = inputs.length === 1 && !Array.isArray(body.input) ? body.input : inputs.length === 1 && typeof body.input[0] === "number" ? inputs[0] : inputs;
  return { ...body, model, input };
}

/** OpenAI's CreateEmbeddingResponse → the batch's vectors in input order (`index` decides, not the array's order). */
export function parseEmbeddingsResponse(text: string, target: Target, batch: EmbeddingsBatch): EmbeddingsPart {
  const name = target.provider.name;
  const parsed = parseUpstreamJson(text, name, "body");
  if (parsed && typeof parsed === "object" && parsed.error) throw new UpstreamError(errorFromBody(parsed.error, 502, new Headers()));
  if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.data)) throw badUpstream(name, "no data array");
  const vectors: EmbeddingsPart["vectors"] = new Array(batch.inputs.length);
  for (const [i, item] of (parsed.data as unknown[]).entries()) {
    const d = item as { index?: unknown; embedding?: unknown };
    const index = typeof d?.index === "number" ? d.index : i;
    if (!Number.isInteger(index) || index < 0 || index >= vectors.length) throw badUpstream(name, `embedding index ${String(d?.index)} is out of range`);
    if (!Array.isArray(d.embedding) && typeof d.embedding !== "string") throw badUpstream(name, `embedding ${index} is neither an array nor a string`);
    vectors[index] = d.embedding as number[] | string;
  }
  for (let i = 0; i < vectors.length; i++) if (vectors[i] === undefined) throw badUpstream(name, `no embedding for input ${i}`);
  const usage = parsed.usage as { prompt_tokens?: unknown } | undefined;
  return {
    vectors,
    model: typeof parsed.model === "string" ? parsed.model : null,
    promptTokens: typeof usage?.prompt_tokens === "number" ? usage.prompt_tokens : null,
  };
}

/** Every OpenAI-dialect provider: OpenAI's own limit per request, so the request's inputs go up in one call. */
export const openaiEmbeddings: EmbeddingsProtocol = {
  maxBatch: () => MAX_EMBEDDING_INPUTS,
  buildRequest: buildEmbeddingsRequest,
  parseResponse: parseEmbeddingsResponse,
};
