import type { Config } from "../config/schema.ts";
import { getProvider, providerForBareModel, PROVIDER_NAMES, type ProviderDef } from "../providers/registry.ts";

export interface Resolved {
  /** The alias the client named, or null when it named a model directly. */
  alias: string | null;
  provider: ProviderDef;
  /** The upstream model id, exactly as written after the first `/`. */
  model: string;
}

export class UnknownModel extends Error {
  constructor(readonly requested: string) {
    super(
      `The model '${requested}' is not known. Use provider/model (providers: ${PROVIDER_NAMES.join(", ")}), ` +
        `an alias (opentracy alias list), or a well-known model name such as gpt-4o or claude-sonnet-4-6.`,
    );
  }
}

function splitRef(ref: string): { provider: ProviderDef; model: string } | null {
  const slash = ref.indexOf("/");
  if (slash <= 0) return null;
  const provider = getProvider(ref.slice(0, slash));
  const model = ref.slice(slash + 1);
  return provider && model ? { provider, model } : null;
}

/** `provider/model`, else an alias (its first target; fallbacks belong to the routing layer), else a bare well-known name. */
export function resolveModel(requested: string, config: Config): Resolved {
  const direct = splitRef(requested);
  if (direct) return { alias: null, ...direct };
  const alias = config.aliases[requested];
  if (alias) {
    const target = splitRef(alias.targets[0]);
    // The config schema already guarantees provider/model with a known provider.
    if (target) return { alias: requested, ...target };
  }
  const bare = providerForBareModel(requested);
  if (bare) return { alias: null, provider: getProvider(bare)!, model: requested };
  throw new UnknownModel(requested);
}
