import type { Config, ProviderOverride } from "./schema.ts";
import { PROVIDERS, type ProviderDef } from "../providers/registry.ts";

/**
 * The providers a config can route to: the built-in registry plus the new ones config.json
 * defines under `providers` (any name with a protocol). Built once per config (the engine
 * replaces its config object on every reload), so a request pays one WeakMap lookup, never a rebuild.
 */
const tables = new WeakMap<object, ReadonlyMap<string, ProviderDef>>();

/** The environment-variable form of a provider name: `my-vllm` → `MY_VLLM`. */
const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/**
 * A provider defined in config.json as the registry would define it. Its key: `key_env` when
 * given, else the built-in convention (`<NAME>_API_KEY`) or a key stored with `keys set <name>`
 * (secret `<name>_api_key`); `"key": "none"` for a server that takes none.
 */
export function customProviderDef(name: string, entry: ProviderOverride): ProviderDef {
  const keyless = entry.key === "none";
  return {
    name,
    protocol: entry.protocol ?? "openai",
    baseUrl: entry.base_url ?? "",
    baseUrlEnv: `${envName(name)}_BASE_URL`,
    keyEnv: keyless ? null : (entry.key_env ?? `${envName(name)}_API_KEY`),
    secretName: `${name.replace(/-/g, "_")}_api_key`,
    priceProvider: null,
    custom: true,
    ...(keyless ? { keyless: true } : {}),
  };
}

const NONE: Config["providers"] = {};

export function providersOf(config: Pick<Config, "providers">): ReadonlyMap<string, ProviderDef> {
  // Keyed on the providers object: a config with aliases laid over it (configInForce) shares it.
  const providers = config.providers ?? NONE;
  const cached = tables.get(providers);
  if (cached) return cached;
  const custom = Object.entries(providers).filter(([name, e]) => !PROVIDERS.has(name) && e.protocol);
  const table: ReadonlyMap<string, ProviderDef> = custom.length
    ? new Map([...PROVIDERS, ...custom.map(([name, e]): [string, ProviderDef] => [name, customProviderDef(name, e)])])
    : PROVIDERS;
  tables.set(providers, table);
  return table;
}

/** A provider by name, built-in or defined in this config. */
export const providerIn = (config: Pick<Config, "providers">, name: string): ProviderDef | undefined => providersOf(config).get(name);

/** The providers this config defines itself, in file order. */
export const customProviders = (config: Pick<Config, "providers">): ProviderDef[] => [...providersOf(config).values()].filter((d) => d.custom);
