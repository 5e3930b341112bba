import { MAX_EMBEDDING_INPUTS } from "../../openai/embeddings.ts";
import { parseEmbeddingsResponse, upstreamBody } from "../openai/embeddings.ts";
import type { EmbeddingsBatch, EmbeddingsProtocol, Target, UpstreamRequest } from "../types.ts";
import { azureRoute } from "./url.ts";

/**
 * `azure/<deployment>`: `POST /openai/deployments/{deployment}/embeddings?api-version=…` (or the
 * v1 API's `/openai/v1/embeddings`), the key in `api-key`; the body and answer are OpenAI's.
 */
export function buildEmbeddingsRequest(batch: EmbeddingsBatch, target: Target): UpstreamRequest {
  const route = azureRoute(target.baseUrl, target.model, target.apiVersion, "embeddings");
  const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
  if (target.key) headers["api-key"] = target.key;
  return { url: route.url, init: { method: "POST", headers, body: JSON.stringify(upstreamBody(batch, target.model)) } };
}

export const azureEmbeddings: EmbeddingsProtocol = {
  maxBatch: () => MAX_EMBEDDING_INPUTS,
  buildRequest: buildEmbeddingsRequest,
  parseResponse: parseEmbeddingsResponse,
};
