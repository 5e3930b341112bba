import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody } from "../openai/schema.ts";
import type { Secrets } from "../config/schema.ts";
import type { ProviderDef } from "./registry.ts";
import type { StreamBody } from "./upstream-body.ts";

/** Where one attempt goes: a provider, the model id exactly as the upstream expects it, and how to reach it. */
export interface Target {
  provider: ProviderDef;
  model: string;
  baseUrl: string;
  key: string | null;
  headers: Record<string, string>;
  /** For protocols that need more than one credential (Bedrock: secret key, session token, region). */
  secrets: Secrets;
  env: NodeJS.ProcessEnv;
}

/** A chunk for the client; `raw` is its JSON text when it can be relayed byte for byte. */
export interface StreamChunk {
  chunk: ChatCompletionChunk;
  raw?: string;
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
  streamChunks(body: StreamBody, target: Target): AsyncIterable<StreamChunk>;
  mapError(status: number, text: string, headers: Headers, target: Target): MappedError;
  /**
   * For protocols whose credentials are more than one key (Bedrock): a message saying what is
   * missing and how to add it, or null. Without it, the provider's `keyEnv` key is required.
   */
  missingCredentials?(target: Target): string | null;
}

export interface UpstreamRequest {
  url: string;
  init: RequestInit;
}
