/**
 * The latest generally available dated version of Azure OpenAI's data-plane inference API
 * (Azure OpenAI REST API reference, "Data plane - inference": latest GA 2024-10-21). Newer
 * features live in preview versions or the versionless v1 API, both opt-in.
 */
export const DEFAULT_API_VERSION = "2024-10-21";

/**
 * The first dated versions that accept `stream_options` (added in 2024-09-01-preview, GA in
 * 2024-10-21). Older ones answer 400 "Unrecognized request argument supplied: stream_options".
 */
const STREAM_OPTIONS_SINCE = "2024-09-01";

const V1_PATH = /\/openai\/v1$/;
const OPENAI_PATH = /\/openai$/;
const DATED_VERSION = /^\d{4}-\d{2}-\d{2}/;

export interface AzureRoute {
  url: string;
  /** the versionless v1 API (`/openai/v1/chat/completions`, deployment named in `model`) */
  v1: boolean;
  /** whether the API version takes `stream_options`, so stream usage can be requested */
  streamOptions: boolean;
}

/**
 * Where a chat completion (or, with `operation` "embeddings", an embeddings call) for `deployment` goes.
 * - an endpoint ending in `/openai/v1`, or api-version `v1` or `preview`: the v1 API, where
 *   `preview` (the v1 API's preview channel) is sent as `?api-version=preview` and a dated version
 *   is not sent (v1 URLs take none);
 * - otherwise `/openai/deployments/{deployment}/chat/completions?api-version=…`, the dated API.
 * An endpoint given with a trailing `/openai` (as some portals show it) is the resource root plus that.
 */
export function azureRoute(
  endpoint: string,
  deployment: string,
  apiVersion: string | undefined,
  operation: "chat/completions" | "embeddings" = "chat/completions",
): AzureRoute {
  const version = apiVersion?.trim() || DEFAULT_API_VERSION;
  const isV1Endpoint = V1_PATH.test(endpoint);
  if (isV1Endpoint || version === "v1" || version === "preview") {
    const base = isV1Endpoint ? endpoint : `${endpoint.replace(OPENAI_PATH, "")}/openai/v1`;
    const query = version === "preview" ? "?api-version=preview" : "";
    return { url: `${base}/${operation}${query}`, v1: true, streamOptions: true };
  }
  const root = endpoint.replace(OPENAI_PATH, "");
  return {
    url: `${root}/openai/deployments/${encodeURIComponent(deployment)}/${operation}?api-version=${encodeURIComponent(version)}`,
    v1: false,
    streamOptions: !DATED_VERSION.test(version) || version.slice(0, 10) >= STREAM_OPTIONS_SINCE,
  };
}
