import { z } from "zod";

/**
 * OpenAI's embeddings API (POST /v1/embeddings) as the engine understands it. The request is
 * checked as strictly as OpenAI checks it (what no upstream could accept is refused at the edge);
 * fields this schema does not name (`input_type` for Cohere, a provider's own options) are
 * carried along to OpenAI-dialect upstreams unchanged.
 */

/** OpenAI's limit on the number of inputs in one request ("Can be at most 2048"). */
export const MAX_EMBEDDING_INPUTS = 2048;

const Token = z.number().int().min(0);
const TokenArray = z.array(Token).min(1);

export const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string().min(1, "must not be an empty string"),
    z.array(z.string().min(1, "must not be an empty string")).min(1).max(MAX_EMBEDDING_INPUTS),
    TokenArray,
    z.array(TokenArray).min(1).max(MAX_EMBEDDING_INPUTS),
  ]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().nullish(),
});

/** The request after validation; everything else in the body is carried along untouched. */
export interface EmbeddingsRequestBody {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64" | null;
  dimensions?: number | null;
  user?: string | null;
  [k: string]: unknown;
}

/** One input: a text, or a text already tokenised (an array of token ids). */
export type EmbeddingInput = string | number[];

/** `input` in its four shapes → the list of inputs, one embedding each, in order. */
export function embeddingInputs(input: EmbeddingsRequestBody["input"]): EmbeddingInput[] {
  if (typeof input === "string") return [input];
  if (input.length > 0 && typeof input[0] === "number") return [input as number[]];
  return input as EmbeddingInput[];
}

/** One embedding as sent to the client: floats, or their little-endian float32 bytes in base64. */
export type EmbeddingVector = number[] | string;

export interface EmbeddingsUsage {
  prompt_tokens: number;
  total_tokens: number;
}

/** OpenAI's answer (CreateEmbeddingResponse). */
export interface EmbeddingsResponse {
  object: "list";
  data: { object: "embedding"; index: number; embedding: EmbeddingVector }[];
  model: string;
  usage: EmbeddingsUsage;
}

/**
 * Floats → OpenAI's `encoding_format: "base64"`: the vector's float32 values, little-endian, in
 * standard base64 (what the official SDKs decode with `Float32Array`).
 */
export function floatsToBase64(values: readonly number[]): string {
  const f32 = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) f32[i] = values[i]!;
  // Float32Array is in the platform's byte order; every platform Bun runs on is little-endian.
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString("base64");
}

/** The reverse of floatsToBase64. */
export function base64ToFloats(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  const copy = new Uint8Array(bytes); // aligned for Float32Array
  return Array.from(new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4)));
}

/** A vector in the format the client asked for (a vector already in base64 is kept as sent). */
export function encodeVector(v: EmbeddingVector, format: EmbeddingsRequestBody["encoding_format"]): EmbeddingVector {
  if (format === "base64") return typeof v === "string" ? v : floatsToBase64(v);
  return typeof v === "string" ? base64ToFloats(v) : v;
}
