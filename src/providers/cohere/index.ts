import { SseDecoder } from "../sse.ts";
import { translateStream } from "../stream-translator.ts";
import type { ProtocolAdapter } from "../types.ts";
import { keyCredentials } from "../credentials.ts";
import { cohereEmbeddings } from "./embeddings.ts";
import { mapError } from "./errors.ts";
import { buildRequest } from "./request.ts";
import { parseResponse } from "./response.ts";
import { Translator } from "./stream.ts";

/** Cohere's v2 chat API: `POST {COHERE_BASE_URL}/v2/chat` with a Bearer key; `stream: true` answers in SSE. */
export const cohereAdapter: ProtocolAdapter = {
  buildRequest,
  parseResponse,
  streamChunks: (body, target) => translateStream(body, new SseDecoder(), new Translator(target)),
  mapError,
  embeddings: cohereEmbeddings,
  credentials: keyCredentials,
};
