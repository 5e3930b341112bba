import type { ProviderDef } from "./registry.ts";
import type { Credentials } from "./types.ts";

/**
 * Where a protocol may look for its credentials: the provider's entry, its base URL, the secrets
 * file and the environment. Only the credentials step (an adapter's `credentials`) sees these;
 * building a request sees only what that step resolved, on the Target.
 */
export interface CredentialSources {
  provider: ProviderDef;
  baseUrl: string;
  secrets: Readonly<Record<string, string | undefined>>;
  /** The names in `secrets` read from a sealed store rather than secrets.json, and which store. */
  sealed?: ReadonlyMap<string, KeyStore>;
  env: NodeJS.ProcessEnv;
}

/** The sealed stores: credentials.json, or the ClickHouse tables every engine on that database shares. */
export type KeyStore = "sealed" | "clickhouse";

export type KeySource = "env" | KeyStore | "file";

export interface ResolvedKey {
  value: string;
  source: KeySource;
}

/**
 * The environment wins over the stored keys: a variable set for one run (CI, a shell) is the more
 * specific intent, the same precedence AWS and most SDKs use. Of the stored keys, the sealed store
 * (`keys set`, the UI) has already won over secrets.json in `secrets` (settings/provider-keys.ts).
 * `keys list` shows which one is used.
 */
export function resolveKey(
  def: ProviderDef,
  secrets: CredentialSources["secrets"],
  env: NodeJS.ProcessEnv,
  sealed?: ReadonlyMap<string, KeyStore>,
): ResolvedKey | null {
  if (def.keyless) return null;
  const fromEnv = def.keyEnv ? env[def.keyEnv] : undefined;
  if (fromEnv) return { value: fromEnv, source: "env" };
  const stored = secrets[def.secretName];
  if (stored) return { value: stored, source: sealed?.get(def.secretName) ?? "file" };
  return null;
}

/** `sk-…abcd`: enough to tell two keys apart, never enough to use one. */
export function maskKey(key: string): string {
  if (key.length <= 8) return `…${key.slice(-2)}`;
  const dash = key.indexOf("-");
  const prefix = dash > 0 && dash <= 7 ? key.slice(0, dash + 1) : key.slice(0, 2);
  return `${prefix}…${key.slice(-4)}`;
}

/** The default credentials step: the provider's one key, required when the registry names a variable for it. */
export function keyCredentials({ provider, secrets, sealed, env }: CredentialSources): Credentials | { missing: string } {
  const key = resolveKey(provider, secrets, env, sealed);
  if (!key && provider.keyEnv)
    return { missing: `No API key for ${provider.name}. Add one with \`opentracy keys set ${provider.name}\` or set ${provider.keyEnv}.` };
  return key ? { key: key.value, keySource: keySourceName(provider, key.source) } : { key: null };
}

/** The variable or file a key was read from, as a user would look for it. */
export function keySourceName(provider: ProviderDef, source: KeySource): string {
  if (source === "env" && provider.keyEnv) return provider.keyEnv;
  if (source === "sealed") return `the sealed key store (${provider.secretName})`;
  if (source === "clickhouse") return `the shared key store in ClickHouse (${provider.secretName})`;
  return `secrets.json (${provider.secretName})`;
}

/** The short form `keys list` and `route explain` print: `env OPENAI_API_KEY`, `sealed`, `clickhouse` or `file`. */
export const keySourceLabel = (provider: ProviderDef, source: KeySource): string => (source === "env" ? `env ${provider.keyEnv}` : source);
