import type { Settings } from "../config/live.ts";
import { ADAPTERS } from "../providers/adapters.ts";
import { resolveBaseUrl } from "../providers/base-url.ts";
import { baseUrlMistake } from "../providers/base-url-check.ts";
import { providersOf } from "../config/custom-providers.ts";
import type { ReadyProvider } from "../routing/engine-status.ts";
import type { CassetteSummary } from "../cassettes/mode.ts";
import type { ContentPolicy } from "../traces/writer.ts";

/**
 * The providers whose credentials step succeeds now, in the registry's order: what `serve` says at
 * start and the UI's Overview shows. Providers that need no key (a local server) count only once
 * pointed somewhere.
 */
export function readyProviders(settings: Settings, env: NodeJS.ProcessEnv): ReadyProvider[] {
  const ready: ReadyProvider[] = [];
  for (const provider of providersOf(settings.config).values()) {
    const { url: baseUrl, source } = resolveBaseUrl(provider, settings.config.providers[provider.name]?.base_url, env);
    if (!provider.keyEnv && !source) continue;
    const creds = ADAPTERS[provider.protocol].credentials({ provider, baseUrl, secrets: settings.secrets, sealed: settings.sealed, env });
    if (!("missing" in creds)) ready.push({ name: provider.name, key_source: creds.keySource ?? null });
  }
  return ready;
}

/**
 * What `serve` says at start besides the address: which providers can be called and where their
 * keys come from, which base URLs are overridden (and which of those look mistyped), and the
 * cassette mode; a replay needs no key, so it does not ask for one. Never a key. A recording
 * made while traces keep no content, or redact it, is warned about: the cassette keeps both whole.
 */
export function startupSummary(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  cassette: CassetteSummary | null = null,
  content: ContentPolicy = { content: true, redact: false },
): string[] {
  const overrides: string[] = [];
  const warnings: string[] = [];
  for (const provider of providersOf(settings.config).values()) {
    const { url: baseUrl, source } = resolveBaseUrl(provider, settings.config.providers[provider.name]?.base_url, env);
    if (source) {
      overrides.push(`${provider.name} → ${baseUrl} (${source})`);
      const mistake = baseUrlMistake(provider, baseUrl);
      if (mistake) warnings.push(`warning: ${mistake}`);
    }
  }
  const ready = readyProviders(settings, env).map((p) => (p.key_source ? `${p.name} (${p.key_source})` : p.name));
  const lines = [
    ready.length
      ? `providers ready: ${ready.join(", ")}`
      : "no provider has a key yet: add one with `opentracy keys set <provider>` or its environment variable (opentracy keys list shows them)",
  ];
  if (overrides.length) lines.push(`base URLs: ${overrides.join("; ")}`);
  if (cassette?.offline) lines.shift();
  if (cassette) lines.unshift(cassette.summary);
  if (cassette?.recording && (!content.content || content.redact)) {
    const policy = content.content ? "traces redact content" : "traces keep no content";
    warnings.push(`warning: ${policy}, but the cassette holds every prompt and answer whole, unredacted: keep it private`);
  }
  return [...lines, ...warnings];
}
