import type { ProtocolAdapter } from "../types.ts";
import { mapGeminiError } from "./errors.ts";
import { buildGeminiRequest } from "./request.ts";
import { parseGeminiResponse } from "./response.ts";
import { streamGeminiChunks } from "./stream.ts";

/** Google's Gemini API (AI Studio, generativelanguage.googleapis.com), spoken natively. */
export const geminiAdapter: ProtocolAdapter = {
  buildRequest: buildGeminiRequest,
  parseResponse: parseGeminiResponse,
  streamChunks: streamGeminiChunks,
  mapError: (status, text, headers) => mapGeminiError(status, text, headers),
};
