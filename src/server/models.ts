import { findProvider } from "@pydantic/genai-prices";
import { resolveKey } from "../providers/credentials.ts";
import type { Settings } from "../config/live.ts";
import { PROVIDERS } from "../providers/registry.ts";

interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/**
 * GET /v1/models: the aliases, then `provider/model` for every provider the engine can call right
 * now (it has a key), taken from the price catalogue's model list.
 */
export function listModels(settings: Settings, env: NodeJS.ProcessEnv): { object: "list"; data: ModelEntry[] } {
  const data: ModelEntry[] = [];
  for (const name of Object.keys(settings.config.aliases)) {
    data.push({ id: name, object: "model", created: 0, owned_by: "opentracy" });
  }
  for (const def of PROVIDERS.values()) {
    if (!def.priceProvider) continue;
    if (def.keyEnv && !resolveKey(def, settings.secrets, env)) continue;
    const catalogue = findProvider({ providerId: def.priceProvider });
    for (const m of catalogue?.models ?? []) {
      if (m.deprecated) continue;
      data.push({ id: `${def.name}/${m.id}`, object: "model", created: 0, owned_by: def.name });
    }
  }
  return { object: "list", data };
}
