import type { ChatRequestBody } from "../../openai/schema.ts";
import type { Target, UpstreamRequest } from "../types.ts";
import { nativeMessages } from "./messages.ts";
import { generationConfig } from "./generation-config.ts";
import { toolFields } from "./tools.ts";
import type { GenerateContentRequest } from "./wire.ts";

/**
 * POST {root}/v1beta/models/{model}:generateContent, or :streamGenerateContent?alt=sse for a stream
 * (without alt=sse Gemini streams one JSON array instead of events). The key goes in the
 * x-goog-api-key header, never in the URL, where it would end up in logs and traces.
 */
export function buildRequest(body: ChatRequestBody, target: Target, stream: boolean): UpstreamRequest {
  const native = nativeRequest(body, target.model);
  const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
  if (target.key) headers["x-goog-api-key"] = target.key;
  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  return {
    url: `${target.baseUrl}/v1beta/${modelPath(target.model)}:${method}`,
    init: { method: "POST", headers, body: JSON.stringify(native) },
  };
}

/** The OpenAI request as a GenerateContentRequest (the model travels in the URL). */
export function nativeRequest(body: ChatRequestBody, model: string): GenerateContentRequest {
  const native: GenerateContentRequest = { ...nativeMessages(body.messages, model), ...toolFields(body) };
  const config = generationConfig(body, model);
  if (config) native.generationConfig = config;
  return native;
}

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; a full resource name (`tunedModels/x`) is kept. */
export function modelPath(model: string): string {
  const name = model.includes("/") ? model : `models/${model}`;
  return name.split("/").map(encodeURIComponent).join("/");
}
