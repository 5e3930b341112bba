import type { ChatRequestBody } from "../../openai/schema.ts";
import { openaiCompatible } from "../openai-compatible.ts";
import type { ProtocolAdapter, Target } from "../types.ts";
import { mapAzureError } from "./errors.ts";
import { azureStreamChunks } from "./stream.ts";
import { azureRoute } from "./url.ts";

/**
 * Azure OpenAI: OpenAI's chat completions behind a resource endpoint, a deployment name and an
 * `api-key` header. `azure/<deployment>` goes to that deployment; the body goes up as the client
 * wrote it, with `model` set to the deployment (as the official AzureOpenAI client sends it, and as
 * the v1 API requires). Answers are OpenAI's, parsed by the OpenAI-dialect adapter.
 */
export const azureAdapter: ProtocolAdapter = {
  buildRequest(body: ChatRequestBody, target: Target, stream: boolean) {
    const route = azureRoute(target.baseUrl, target.model, target.env.AZURE_OPENAI_API_VERSION);
    const upstreamBody: Record<string, unknown> = { ...body, model: target.model };
    // Usage is requested on every stream so cost is known, where the API version allows it.
    if (stream && route.streamOptions) upstreamBody.stream_options = { ...body.stream_options, include_usage: true };
    const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
    if (target.key) headers["api-key"] = target.key;
    return { url: route.url, init: { method: "POST", headers, body: JSON.stringify(upstreamBody) } };
  },

  parseResponse: (text, target) => openaiCompatible.parseResponse(text, target),
  relaysAnswerText: true,
  streamChunks: azureStreamChunks,
  mapError: mapAzureError,

  missingCredentials(target: Target): string | null {
    const { baseUrlEnv, keyEnv, name } = target.provider;
    const missing: string[] = [];
    if (!target.baseUrl)
      missing.push(`set ${baseUrlEnv} to your resource's endpoint (https://<resource>.openai.azure.com), or providers.${name}.base_url in config.json`);
    if (!target.key) missing.push(`add its API key with \`opentracy keys set ${name}\` or set ${keyEnv}`);
    return missing.length ? `Azure OpenAI is not configured: ${missing.join("; ")}.` : null;
  },
};
