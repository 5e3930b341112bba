import type { Settings } from "../config/live.ts";
import { ADAPTERS } from "../providers/adapters.ts";
import { resolveBaseUrl } from "../providers/base-url.ts";
import { baseUrlMistake } from "../providers/base-url-check.ts";
import { PROVIDERS } from "../providers/registry.ts";

/**
 * What `serve` says at start besides the address: which providers can be called and where their
 * keys come from, which base URLs are overridden (and which of those look mistyped). Never a key.
 */
export function startupSummary(settings: Settings, env: NodeJS.ProcessEnv): string[] {
  const ready: string[] = [];
  const overrides: string[] = [];
  const warnings: string[] = [];
  for (const provider of PROVIDERS.values()) {
    const { url: baseUrl, source } = resolveBaseUrl(provider, settings.config.providers[provider.name]?.base_url, env);
    if (source) {
      overrides.push(`${provider.name} → ${baseUrl} (${source})`);
      const mistake = baseUrlMistake(provider, baseUrl);
      if (mistake) warnings.push(`warning: ${mistake}`);
    }
    // Providers that need no key (a local server) count only once pointed somewhere.
    if (!provider.keyEnv && !source) continue;
    const creds = ADAPTERS[provider.protocol].credentials({ provider, baseUrl, secrets: settings.secrets, sealed: settings.sealed, env });
    if (!("missing" in creds)) ready.push(creds.keySource ? `${provider.name} (${creds.keySource})` : provider.name);
  }
  const lines = [
    ready.length
      ? `providers ready: ${ready.join(", ")}`
      : "no provider has a key yet: add one with `opentracy keys set <provider>` or its environment variable (opentracy keys list shows them)",
  ];
  if (overrides.length) lines.push(`base URLs: ${overrides.join("; ")}`);
  return [...lines, ...warnings];
}
