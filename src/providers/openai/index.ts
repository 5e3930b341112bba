import { SseDecoder } from "../sse.ts";
import { translateStream } from "../stream-translator.ts";
import type { ProtocolAdapter } from "../types.ts";
import { keyCredentials } from "../credentials.ts";
import { openaiEmbeddings } from "./embeddings.ts";
import { mapError } from "./errors.ts";
import { buildRequest } from "./request.ts";
import { parseResponse } from "./response.ts";
import { Translator } from "./stream.ts";

/**
 * Every provider that speaks OpenAI's dialect. The body goes up as the client wrote it, with only
 * `model` replaced and stream usage requested (so cost is always known); the answer comes back
 * with every field the upstream sent.
 */
export const openaiAdapter: ProtocolAdapter = {
  relaysAnswerText: true,
  buildRequest,
  parseResponse,
  streamChunks: (body, target) => translateStream(body, new SseDecoder(), new Translator(target)),
  mapError,
  embeddings: openaiEmbeddings,
  credentials: keyCredentials,
};
