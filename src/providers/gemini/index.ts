import { SseDecoder } from "../sse.ts";
import { translateStream } from "../stream-translator.ts";
import type { ProtocolAdapter } from "../types.ts";
import { keyCredentials } from "../credentials.ts";
import { geminiEmbeddings } from "./embeddings.ts";
import { mapError } from "./errors.ts";
import { buildRequest } from "./request.ts";
import { parseResponse } from "./response.ts";
import { Translator } from "./stream.ts";

/** Google's Gemini API (AI Studio, generativelanguage.googleapis.com), spoken natively. */
export const geminiAdapter: ProtocolAdapter = {
  buildRequest,
  parseResponse,
  streamChunks: (body, target) => translateStream(body, new SseDecoder(), new Translator(target)),
  mapError,
  embeddings: geminiEmbeddings,
  credentials: keyCredentials,
};
