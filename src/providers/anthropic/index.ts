import { SseDecoder } from "../sse.ts";
import { translateStream } from "../stream-translator.ts";
import type { ProtocolAdapter } from "../types.ts";
import { keyCredentials } from "../credentials.ts";
import { mapError } from "./errors.ts";
import { buildRequest } from "./request.ts";
import { parseResponse } from "./response.ts";
import { Translator } from "./stream.ts";

/** The Anthropic Messages API (POST /v1/messages), spoken from and back to OpenAI's chat completions. */
export const anthropicAdapter: ProtocolAdapter = {
  buildRequest,
  parseResponse,
  streamChunks: (body) => translateStream(body, new SseDecoder(), new Translator()),
  mapError,
  credentials: keyCredentials,
};
