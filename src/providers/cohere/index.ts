import type { ChatRequestBody } from "../../openai/schema.ts";
import type { ProtocolAdapter, Target } from "../types.ts";
import { mapCohereError } from "./errors.ts";
import { cohereRequest } from "./request.ts";
import { parseCohereResponse } from "./response.ts";
import { cohereStreamChunks } from "./stream.ts";

/** Cohere's v2 chat API: `POST {COHERE_BASE_URL}/v2/chat` with a Bearer key; `stream: true` answers in SSE. */
export const cohereAdapter: ProtocolAdapter = {
  buildRequest(body: ChatRequestBody, target: Target, stream: boolean) {
    const native = cohereRequest(body, target.model, stream);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: stream ? "text/event-stream" : "application/json",
      ...target.headers,
    };
    if (target.key) headers.authorization = `Bearer ${target.key}`;
    return { url: `${target.baseUrl}/v2/chat`, init: { method: "POST", headers, body: JSON.stringify(native) } };
  },
  parseResponse: parseCohereResponse,
  streamChunks: cohereStreamChunks,
  mapError: (status, text, headers) => mapCohereError(status, text, headers),
};
