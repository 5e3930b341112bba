import { translateStream } from "../stream-translator.ts";
import type { ProtocolAdapter } from "../types.ts";
import { awsCredentials } from "./credentials.ts";
import { bedrockEmbeddings } from "./embeddings.ts";
import { mapError } from "./errors.ts";
import { eventStreamDecoder } from "./event-stream.ts";
import { buildRequest } from "./request.ts";
import { parseResponse } from "./response.ts";
import { Translator } from "./stream.ts";

/**
 * AWS Bedrock Runtime's Converse and ConverseStream APIs, signed with SigV4.
 * The endpoint is AWS_ENDPOINT_URL_BEDROCK_RUNTIME when set (Target.baseUrl), otherwise the
 * regional `https://bedrock-runtime.{region}.amazonaws.com`.
 */
export const bedrockAdapter: ProtocolAdapter = {
  buildRequest,
  parseResponse,
  streamChunks: (body, target) => translateStream(body, eventStreamDecoder(target.provider.name), new Translator(target)),
  mapError,
  embeddings: bedrockEmbeddings,
  credentials: awsCredentials,
};
