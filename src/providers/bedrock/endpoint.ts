const RFC3986_RESERVED = /[!'()*]/g;

/**
 * `{endpoint}/model/{modelId}/converse[-stream]`. The model id is one path segment however many
 * `:` and `/` it holds (versioned ids, inference-profile ARNs), percent-encoded the way the AWS
 * SDKs encode it, so the path we sign is the path the service sees.
 */
export function converseUrl(baseUrl: string, region: string, model: string, stream: boolean): string {
  return `${baseUrl || defaultEndpoint(region)}/model/${encodeModelId(model)}/${stream ? "converse-stream" : "converse"}`;
}

export function defaultEndpoint(region: string): string {
  // The China partition lives under its own domain.
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://bedrock-runtime.${region}.${domain}`;
}

export function encodeModelId(id: string): string {
  return encodeURIComponent(id).replace(RFC3986_RESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
