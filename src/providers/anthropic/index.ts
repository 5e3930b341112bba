import { sseEvents } from "../sse.ts";
import type { ProtocolAdapter } from "../types.ts";
import { mapAnthropicError } from "./errors.ts";
import { buildMessagesRequest } from "./request.ts";
import { parseMessage } from "./response.ts";
import { anthropicChunks } from "./stream.ts";

/** The Anthropic Messages API (POST /v1/messages), spoken from and back to OpenAI's chat completions. */
export const anthropicAdapter: ProtocolAdapter = {
  buildRequest: (body, target, stream) => buildMessagesRequest(body, target, stream),
  parseResponse: (text) => parseMessage(text),
  streamChunks: (body) => anthropicChunks(sseEvents(body)),
  mapError: (status, text, headers) => mapAnthropicError(status, text, headers),
};
