import { rejectRequest } from "../../errors/vocabulary.ts";
import { badUpstream } from "../errors.ts";
import type { EmbeddingsBatch, EmbeddingsPart, EmbeddingsProtocol, Target, UpstreamRequest } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { DEFAULT_INPUT_TYPE } from "../cohere/embeddings.ts";
import { defaultEndpoint, encodeModelId } from "./endpoint.ts";
import { signedHeaders } from "./sign.ts";

/** The embedding model families Bedrock's InvokeModel serves that this gateway speaks. */
export type EmbedFamily = "titan" | "cohere";

/** Cohere Embed on Bedrock takes at most 96 texts a call; Titan Text Embeddings one text. */
const MAX_BATCH: Record<EmbedFamily, number> = { titan: 1, cohere: 96 };

const TITAN = /(^|[.:/])amazon\.titan-embed-text-/;
const COHERE = /(^|[.:/])cohere\.embed-/;

/** `amazon.titan-embed-text-v2:0` → titan; `cohere.embed-english-v3`, `us.cohere.embed-v4:0` → cohere; else null. */
export function embedFamily(model: string): EmbedFamily | null {
  if (TITAN.test(model)) return "titan";
  if (COHERE.test(model)) return "cohere";
  return null;
}

/** `{endpoint}/model/{modelId}/invoke`: InvokeModel, the model's own body. */
export function invokeUrl(baseUrl: string, region: string, model: string): string {
  return `${baseUrl || defaultEndpoint(region)}/model/${encodeModelId(model)}/invoke`;
}

/**
 * InvokeModel with the model family's own body, signed with SigV4:
 * - Titan Text Embeddings (`{"inputText","dimensions"}`), one text per call;
 * - Cohere Embed (`{"texts","input_type","embedding_types":["float"]}`), 96 texts per call, with
 *   `input_type` as for Cohere's own API (`search_document` unless the client sends another).
 */
export async function buildEmbeddingsRequest(batch: EmbeddingsBatch, target: Target): Promise<UpstreamRequest> {
  const family = familyOf(target);
  const texts = batch.inputs.map((input) => {
    if (typeof input !== "string") throw rejectRequest("bedrock embeds text only; send 'input' as strings, not token arrays", "input");
    return input;
  });
  const { body } = batch;
  const native: Record<string, unknown> =
    family === "titan"
      ? { inputText: texts[0] }
      : { texts, input_type: typeof body.input_type === "string" ? body.input_type : DEFAULT_INPUT_TYPE, embedding_types: ["float"] };
  if (typeof body.dimensions === "number") native[family === "titan" ? "dimensions" : "output_dimension"] = body.dimensions;
  if (family === "cohere" && typeof body.truncate === "string") native.truncate = body.truncate;
  const creds = target.aws;
  if (!creds) throw new Error("a bedrock target without AWS credentials");
  const url = invokeUrl(target.baseUrl, creds.region, target.model);
  const payload = JSON.stringify(native);
  const headers = { ...target.headers, "content-type": "application/json", accept: "application/json" };
  return { url, init: { method: "POST", headers: await signedHeaders(url, payload, headers, creds), body: payload } };
}

/**
 * Titan: `{"embedding":[…],"inputTextTokenCount":N}`. Cohere: `{"embeddings":{"float":[[…]]}}` (or a
 * bare array of arrays); the body carries no token count, so usage is unknown (null).
 */
export function parseEmbeddingsResponse(text: string, target: Target, batch: EmbeddingsBatch): EmbeddingsPart {
  const name = target.provider.name;
  const parsed = parseUpstreamJson(text, name, "body");
  if (familyOf(target) === "titan") {
    if (!Array.isArray(parsed?.embedding)) throw badUpstream(name, "no embedding array");
    const tokens = parsed.inputTextTokenCount;
    return { vectors: [parsed.embedding], model: null, promptTokens: typeof tokens === "number" ? tokens : null };
  }
  const list = Array.isArray(parsed?.embeddings) ? parsed.embeddings : parsed?.embeddings?.float;
  if (!Array.isArray(list)) throw badUpstream(name, "no embeddings");
  if (list.length !== batch.inputs.length) throw badUpstream(name, `${list.length} embeddings for ${batch.inputs.length} texts`);
  for (const [i, v] of list.entries()) if (!Array.isArray(v)) throw badUpstream(name, `embedding ${i} is not an array`);
  return { vectors: list, model: null, promptTokens: null };
}

function familyOf(target: Target): EmbedFamily {
  const family = embedFamily(target.model);
  if (!family) {
    throw rejectRequest(
      `bedrock embeds with Titan Text Embeddings (amazon.titan-embed-text-*) or Cohere Embed (cohere.embed-*) models; ${target.model} is neither`,
      "model",
    );
  }
  return family;
}

export const bedrockEmbeddings: EmbeddingsProtocol = {
  // An unknown family is refused by buildRequest; any size will do until then.
  maxBatch: (target) => MAX_BATCH[embedFamily(target.model) ?? "titan"],
  buildRequest: buildEmbeddingsRequest,
  parseResponse: parseEmbeddingsResponse,
};
