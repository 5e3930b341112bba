import { findProvider } from "@pydantic/genai-prices";
import type { Settings } from "../config/live.ts";
import { ApiError } from "../errors/vocabulary.ts";
import { resolveKey } from "../providers/credentials.ts";
import { customProviders } from "../config/custom-providers.ts";
import { PROVIDERS, providerForBareModel, type ProviderDef } from "../providers/registry.ts";
import { createdOf, isChatModel } from "../pricing/chat-models.ts";

export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/**
 * GET /v1/models: the aliases, then `provider/model` for every provider the engine can call right
 * now (it has a key), from the price catalogue, keeping only what a chat call can use. A provider
 * defined in config.json has no catalogue: its models are the ones aliases and prices name.
 */
export function listModels(settings: Settings, env: NodeJS.ProcessEnv): { object: "list"; data: ModelEntry[] } {
  const data: ModelEntry[] = [];
  // An alias has no release date of its own: it is whatever its targets are today.
  for (const name of Object.keys(settings.config.aliases)) data.push({ id: name, object: "model", created: 0, owned_by: "opentracy" });
  for (const def of PROVIDERS.values()) {
    if (!def.priceProvider) continue;
    if (def.keyEnv && !resolveKey(def, settings.secrets, env, settings.sealed)) continue;
    for (const m of findProvider({ providerId: def.priceProvider })?.models ?? []) {
      if (isChatModel(m)) data.push({ id: `${def.name}/${m.id}`, object: "model", created: createdOf(m), owned_by: def.name });
    }
  }
  for (const def of customProviders(settings.config)) {
    if (def.keyEnv && !resolveKey(def, settings.secrets, env, settings.sealed)) continue;
    for (const id of modelsNamed(def, settings.config)) data.push({ id, object: "model", created: 0, owned_by: def.name });
  }
  return { object: "list", data };
}

/** `name/model` refs for this provider in aliases' targets and in prices, each once, in file order. */
function modelsNamed(def: ProviderDef, config: Settings["config"]): string[] {
  const refs = new Set<string>();
  for (const a of Object.values(config.aliases))
    for (const t of a.targets) {
      const ref = typeof t === "string" ? t : t.model;
      if (ref.startsWith(`${def.name}/`)) refs.add(ref);
    }
  for (const ref of Object.keys(config.prices)) if (ref.startsWith(`${def.name}/`)) refs.add(ref);
  return [...refs];
}

/**
 * GET /v1/models/{id}: the listed entry, as OpenAI answers its own. A bare well-known name
 * (`gpt-4o`) is found under its provider, since a chat call accepts it too; it answers with the
 * id as asked, as OpenAI does.
 */
export function retrieveModel(id: string, settings: Settings, env: NodeJS.ProcessEnv): ModelEntry {
  const { data } = listModels(settings, env);
  const found = data.find((m) => m.id === id);
  if (found) return found;
  const provider = id.includes("/") ? undefined : providerForBareModel(id);
  const prefixed = provider && data.find((m) => m.id === `${provider}/${id}`);
  if (prefixed) return { ...prefixed, id };
  throw new ApiError(
    "model_not_found",
    `The model '${id}' does not exist or this engine cannot call it: GET /v1/models lists the aliases and the provider/model ids of the providers that have a key.`,
    "model",
  );
}

/** The id in `/v1/models/{id}`: SDKs encode it as one segment (`openai%2Fgpt-4o`), curl users write the slash. */
export function modelIdFromPath(pathname: string): string | null {
  // Also under a run's prefix (run-prefix.ts): /run/<id>/v1/models/<model id>.
  const rest = pathname.replace(/^(\/run\/[^/]+)?(\/v1)?\/models\//, "");
  try {
    const id = decodeURIComponent(rest);
    return id === "" ? null : id;
  } catch {
    return null;
  }
}
