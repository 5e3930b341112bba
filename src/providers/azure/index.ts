import { parseResponse } from "../openai/response.ts";
import { sseEvents } from "../sse.ts";
import { translateStream } from "../stream-translator.ts";
import type { ProtocolAdapter, Target } from "../types.ts";
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
  streamChunks: (body, target) => translateStream(sseEvents(body), new Translator(target)),
  mapError,

  missingCredentials(target: Target): string | null {
    const { baseUrlEnv, keyEnv, name } = target.provider;
    const missing: string[] = [];
    if (!target.baseUrl)
      missing.push(`set ${baseUrlEnv} to your resource's endpoint (https://<resource>.openai.azure.com), or providers.${name}.base_url in config.json`);
    if (!target.key) missing.push(`add its API key with \`opentracy keys set ${name}\` or set ${keyEnv}`);
    return missing.length ? `Azure OpenAI is not configured: ${missing.join("; ")}.` : null;
  },
};
