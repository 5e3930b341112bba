import { parseResponse } from "../openai/response.ts";
import { SseDecoder } from "../sse.ts";
import { translateStream } from "../stream-translator.ts";
import { type CredentialSources, keySourceName, resolveKey } from "../credentials.ts";
import type { Credentials, ProtocolAdapter } from "../types.ts";
import { azureEmbeddings } from "./embeddings.ts";
import { mapError } from "./errors.ts";
import { buildRequest } from "./request.ts";
import { Translator } from "./stream.ts";

/**
 * Azure OpenAI: OpenAI's chat completions behind a resource endpoint, a deployment name and an
 * `api-key` header. Answers are OpenAI's, parsed as the OpenAI dialect's are.
 */
export const azureAdapter: ProtocolAdapter = {
  buildRequest,
  parseResponse,
  relaysAnswerText: true,
  streamChunks: (body, target) => translateStream(body, new SseDecoder(), new Translator(target)),
  mapError,
  embeddings: azureEmbeddings,

  credentials,
};

/** The key, and the resource endpoint it belongs to (without one the key is of no use), and a pinned API version. */
function credentials({ provider, baseUrl, secrets, sealed, env }: CredentialSources): Credentials | { missing: string } {
  const { baseUrlEnv, keyEnv, name } = provider;
  const key = resolveKey(provider, secrets, env, sealed);
  const missing: string[] = [];
  if (!baseUrl)
    missing.push(`set ${baseUrlEnv} to your resource's endpoint (https://<resource>.openai.azure.com), or providers.${name}.base_url in config.json`);
  if (!key) missing.push(`add its API key with \`opentracy keys set ${name}\` or set ${keyEnv}`);
  if (missing.length) return { missing: `Azure OpenAI is not configured: ${missing.join("; ")}.` };
  return { key: key!.value, keySource: keySourceName(provider, key!.source), apiVersion: env.AZURE_OPENAI_API_VERSION || undefined };
}
