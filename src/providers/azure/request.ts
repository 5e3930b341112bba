import type { ChatRequestBody } from "../../openai/schema.ts";
import type { Target, UpstreamRequest } from "../types.ts";
import { azureRoute } from "./url.ts";

/**
 * `azure/<deployment>` goes to that deployment; the body goes up as the client wrote it, with
 * `model` set to the deployment (as the official AzureOpenAI client sends it, and as the v1 API
 * requires), and the key in the `api-key` header.
 */
export function buildRequest(body: ChatRequestBody, target: Target, stream: boolean): UpstreamRequest {
  const route = azureRoute(target.baseUrl, target.model, target.apiVersion);
  const upstreamBody: Record<string, unknown> = { ...body, model: target.model };
  // Usage is requested on every stream so cost is known, where the API version allows it.
  if (stream && route.streamOptions) upstreamBody.stream_options = { ...body.stream_options, include_usage: true };
  const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
  if (target.key) headers["api-key"] = target.key;
  return { url: route.url, init: { method: "POST", headers, body: JSON.stringify(upstreamBody) } };
}
