import type { ProviderDef } from "./registry.ts";

/**
 * The base URL the engine calls for a provider: its `<PROVIDER>_BASE_URL` variable, else
 * `providers.<name>.base_url` in config.json, else the registry's default; no trailing slash.
 * `source` names where an override came from (null for the default), for messages.
 */
export function resolveBaseUrl(provider: ProviderDef, configured: string | undefined, env: NodeJS.ProcessEnv): { url: string; source: string | null } {
  const fromEnv = env[provider.baseUrlEnv];
  const source = fromEnv ? provider.baseUrlEnv : configured ? `providers.${provider.name}.base_url` : null;
  return { url: (fromEnv || configured || provider.baseUrl).replace(/\/+$/, ""), source };
}
