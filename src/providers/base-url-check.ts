import type { Protocol, ProviderDef } from "./registry.ts";

/** What the engine appends to each protocol's base URL, for messages that explain a 404. */
const APPENDED: Record<Protocol, string> = {
  openai: "/chat/completions",
  azure: "/openai/deployments/{deployment}/chat/completions (or /openai/v1/chat/completions)",
  anthropic: "/v1/messages",
  gemini: "/v1beta/models/{model}:generateContent",
  cohere: "/v2/chat",
  bedrock: "/model/{model}/converse",
};

/** Protocols whose base URL is the API's root, as their official SDKs take it. */
const ROOT_STYLE = new Set<Protocol>(["anthropic", "gemini", "cohere", "bedrock", "azure"]);
const VERSION_AT_END = /\/(v\d+(?:beta|alpha)?\d*)\/?$/;
const VERSION_ANYWHERE = /\/v\d+(?:beta|alpha)?\d*(?:\/|$)/;

/**
 * The common mistake in a base URL, if this one looks like it: a version path on a variable that
 * takes the root (`ANTHROPIC_BASE_URL=http://host/v1` makes `/v1/v1/messages`), or none on an
 * OpenAI-style variable that includes it (`OPENAI_BASE_URL=http://host` makes `/chat/completions`
 * where the server has `/v1/chat/completions`). A heuristic: said as a warning and as a hint on
 * a 404, never enforced.
 */
export function baseUrlMistake(provider: ProviderDef, baseUrl: string): string | null {
  if (!baseUrl) return null;
  let path: string;
  try {
    path = new URL(baseUrl).pathname;
  } catch {
    return `${provider.baseUrlEnv} is not a URL: '${baseUrl}'`;
  }
  const appended = APPENDED[provider.protocol];
  if (ROOT_STYLE.has(provider.protocol)) {
    const version = VERSION_AT_END.exec(path)?.[1];
    if (version) {
      return `${provider.baseUrlEnv} ends in /${version}, but it is the API's root: the engine appends ${appended}; remove the /${version}`;
    }
    return null;
  }
  // OpenAI-style: the default includes a version path, so a URL without one is probably short of it.
  if (VERSION_ANYWHERE.test(new URL(provider.baseUrl).pathname) && !VERSION_ANYWHERE.test(path)) {
    return `${provider.baseUrlEnv} has no version path: OpenAI-style base URLs include it (like ${provider.baseUrl}); the engine appends ${appended}`;
  }
  return null;
}
