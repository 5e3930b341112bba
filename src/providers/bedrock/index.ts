import type { ChatRequestBody } from "../../openai/schema.ts";
import { UpstreamError } from "../errors.ts";
import type { MappedError, ProtocolAdapter, Target, UpstreamRequest } from "../types.ts";
import { lookUpCredentials } from "./credentials.ts";
import { converseUrl } from "./endpoint.ts";
import { mapBedrockError } from "./errors.ts";
import { converseBody } from "./request.ts";
import { parseConverse } from "./response.ts";
import { signedHeaders } from "./sign.ts";
import { converseChunks } from "./stream.ts";

/**
 * AWS Bedrock Runtime's Converse and ConverseStream APIs, signed with SigV4.
 * The endpoint is AWS_ENDPOINT_URL_BEDROCK_RUNTIME when set (Target.baseUrl), otherwise the
 * regional `https://bedrock-runtime.{region}.amazonaws.com`.
 */
export const bedrockAdapter: ProtocolAdapter = {
  async buildRequest(body: ChatRequestBody, target: Target, stream: boolean): Promise<UpstreamRequest> {
    const lookup = lookUpCredentials(target);
    // The chat handler asks missingCredentials first; this only guards a caller that did not.
    if (!lookup.ok) {
      throw new UpstreamError({
        status: 401,
        error: { message: lookup.missing, type: "authentication_error", param: null, code: "missing_api_key" },
        headers: {},
      });
    }
    const creds = lookup.credentials;
    const url = converseUrl(target.baseUrl, creds.region, target.model, stream);
    const payload = JSON.stringify(converseBody(body, target.model, stream));
    // Like the AWS SDKs: no Accept header; the operation decides the answer's content type.
    const headers = { ...target.headers, "content-type": "application/json" };
    return { url, init: { method: "POST", headers: await signedHeaders(url, payload, headers, creds), body: payload } };
  },

  parseResponse: parseConverse,

  streamChunks: converseChunks,

  mapError(status: number, text: string, headers: Headers, target: Target): MappedError {
    return mapBedrockError(target.provider.name, status, text, headers);
  },

  missingCredentials(target: Target): string | null {
    const lookup = lookUpCredentials(target);
    return lookup.ok ? null : lookup.missing;
  },
};
