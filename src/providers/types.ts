import type { EmbeddingInput, EmbeddingsRequestBody, EmbeddingVector } from "../openai/embeddings.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from "../openai/schema.ts";
import type { AwsCredentials } from "./bedrock/credentials.ts";
import type { CredentialSources } from "./credentials.ts";
import type { ProviderDef } from "./registry.ts";
import type { StreamBody } from "./upstream-body.ts";

/** Where one attempt goes: a provider, the model id exactly as the upstream expects it, and how to reach it. */
export interface Target {
  provider: ProviderDef;
  model: string;
  baseUrl: string;
  headers: Record<string, string>;
  /** The provider's API key, resolved once for the request; null when it needs none (or, for Bedrock, several). */
  key: string | null;
  /** Where the key came from (`OPENAI_API_KEY`, `secrets.json`), for messages; never the key. */
  keySource?: string;
  /** Bedrock: the AWS keys and region SigV4 signs with. */
  aws?: AwsCredentials;
  /** Azure: the API version (AZURE_OPENAI_API_VERSION), when the user pinned one. */
  apiVersion?: string;
}

/** What a protocol's credentials step resolves for a Target. */
export type Credentials = Pick<Target, "key" | "keySource" | "aws" | "apiVersion">;

/** A chunk for the client; `raw` is its JSON text when it can be relayed byte for byte. */
export interface StreamChunk {
  chunk: ChatCompletionChunk;
  raw?: string;
  /** The upstream event's own SSE frame, when an inbound dialect relays the upstream's stream as it is (dialects/anthropic-messages/native.ts). */
  nativeFrame?: string;
}

/** An upstream failure, already in OpenAI's shape, with the headers a client may act on. */
export interface MappedError {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null };
  headers: Record<string, string>;
}

/**
 * The surface every wire protocol implements: OpenAI request in, OpenAI response out.
 * The chat handler owns everything else (routing, extras, traces).
 */
export interface ProtocolAdapter {
  /**
   * Throws UpstreamError (see `rejectRequest`) for a request the target cannot honour, so the
   * client gets a 400 naming the parameter instead of a silent drop. Async for request signing.
   */
  buildRequest(body: ChatRequestBody, target: Target, stream: boolean): UpstreamRequest | Promise<UpstreamRequest>;
  parseResponse(text: string, target: Target): ChatCompletion;
  /** The upstream answers in OpenAI's shape and parseResponse returns it unchanged: its text can go to the client as sent. */
  readonly relaysAnswerText?: boolean;
  /** The answer as OpenAI chunks, the chunks of each network read together: one array per read, never empty. */
  streamChunks(body: StreamBody, target: Target): AsyncIterable<StreamChunk[]>;
  mapError(status: number, text: string, headers: Headers, target: Target): MappedError;
  /**
   * Resolves this protocol's credentials once per target and request (keyCredentials for a
   * provider with one key), or says what is missing and how to add it. The only step that sees
   * the environment and the secrets file.
   */
  credentials(sources: CredentialSources): Credentials | { missing: string };
  /** POST /v1/embeddings; absent for a protocol that cannot embed (the client gets a 400 naming it). */
  readonly embeddings?: EmbeddingsProtocol;
}

/** Up to `maxBatch` of the request's inputs, for one upstream call; `body` carries the parameters. */
export interface EmbeddingsBatch {
  body: EmbeddingsRequestBody;
  inputs: EmbeddingInput[];
}

/** One upstream call's answer: a vector per input of its batch, in order. */
export interface EmbeddingsPart {
  vectors: EmbeddingVector[];
  /** the model the upstream says answered; null when it does not say */
  model: string | null;
  /** input tokens the upstream counted; null when it reports none (Gemini) */
  promptTokens: number | null;
}

/**
 * A protocol's embeddings: the OpenAI request's batch in the provider's shape, its answer back.
 * Errors come back through the adapter's own `mapError`. The router splits the inputs into
 * batches of at most `maxBatch(target)` and puts the vectors back in order.
 */
export interface EmbeddingsProtocol {
  /** Most inputs one upstream call takes for this target (Bedrock's differs by model family). */
  maxBatch(target: Target): number;
  /** Throws ApiError 400 (`rejectRequest`) for what the provider cannot do (token arrays, say). */
  buildRequest(batch: EmbeddingsBatch, target: Target): UpstreamRequest | Promise<UpstreamRequest>;
  parseResponse(text: string, target: Target, batch: EmbeddingsBatch): EmbeddingsPart;
}

export interface UpstreamRequest {
  url: string;
  init: RequestInit;
}
