import type { ChatRequestBody } from "../../openai/schema.ts";
import type { Target, UpstreamRequest } from "../types.ts";

/**
 * The body goes up as the client wrote it, with only `model` replaced and stream usage requested
 * (so cost is always known); `POST {base_url}/chat/completions` with a Bearer key.
 */
export function buildRequest(body: ChatRequestBody, target: Target, stream: boolean): UpstreamRequest {
  const upstreamBody: Record<string, unknown> = { ...body, model: target.model };
  if (stream) upstreamBody.stream_options = { ...body.stream_options, include_usage: true };
  const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
  if (target.key) headers.authorization = `Bearer ${target.key}`;
  return {
    url: `${target.baseUrl}/chat/completions`,
    init: { method: "POST", headers, body: JSON.stringify(upstreamBody) },
  };
}
