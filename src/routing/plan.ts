import type { Alias, Config, RetryPolicy } from "../config/schema.ts";
import { providerIn, providersOf } from "../config/custom-providers.ts";
import { getProvider, providerForBareModel, type ProviderDef } from "../providers/registry.ts";
import { DEFAULT_RETRY } from "./policy.ts";

export interface PlannedTarget {
  provider: ProviderDef;
  /** The upstream model id, exactly as written after the first `/`. */
  model: string;
  /** `provider/model`: the key for health and cooldowns. */
  ref: string;
  weight: number;
}

export interface RoutePlan {
  /** The alias the client named, or null when it named a model directly. */
  alias: string | null;
  strategy: "fallback" | "weighted" | null;
  /** In the order they will be tried. */
  targets: PlannedTarget[];
  params: Record<string, unknown> | null;
  retry: Required<RetryPolicy>;
}

export class UnknownModel extends Error {
  constructor(
    readonly requested: string,
    providers: Iterable<string>,
  ) {
    super(
      `The model '${requested}' is not known. Use provider/model (providers: ${[...providers].join(", ")}), ` +
        `an alias (opentracy alias list), or a well-known model name such as gpt-4o or claude-sonnet-4-6.`,
    );
  }
}

function splitRef(ref: string, config: Config): { provider: ProviderDef; model: string } | null {
  const slash = ref.indexOf("/");
  if (slash <= 0) return null;
  const provider = providerIn(config, ref.slice(0, slash));
  const model = ref.slice(slash + 1);
  return provider && model ? { provider, model } : null;
}

const entryOf = (t: Alias["targets"][number]) => (typeof t === "string" ? { model: t, weight: 1 } : { model: t.model, weight: t.weight ?? 1 });

/** An alias's targets with nested aliases expanded in place (config validation rules out cycles). */
function expand(config: Config, name: string, weight: number | null, out: PlannedTarget[], seen: Set<string>): void {
  const aliases = config.aliases;
  for (const t of aliases[name].targets) {
    const e = entryOf(t);
    const w = weight ?? e.weight;
    const direct = splitRef(e.model, config);
    if (direct) {
      const ref = `${direct.provider.name}/${direct.model}`;
      if (!seen.has(ref)) {
        seen.add(ref);
        out.push({ ...direct, ref, weight: w });
      }
    } else if (Object.hasOwn(aliases, e.model)) {
      expand(config, e.model, w, out, seen);
    }
  }
}

/** One weighted draw goes first; the rest keep their configured order as fallbacks. */
function weightedOrder(targets: PlannedTarget[], random: () => number): PlannedTarget[] {
  const total = targets.reduce((s, t) => s + t.weight, 0);
  let r = random() * total;
  let pick = targets.length - 1;
  for (let i = 0; i < targets.length; i++) {
    r -= targets[i].weight;
    if (r < 0) {
      pick = i;
      break;
    }
  }
  return [targets[pick], ...targets.filter((_, i) => i !== pick)];
}

/**
 * `provider/model`, else an alias (its whole chain), else a bare well-known name.
 * Pure: health and cooldowns are applied by the caller while it walks the plan.
 */
export function planRoute(requested: string, config: Config, random: () => number = Math.random): RoutePlan {
  const retry = { ...DEFAULT_RETRY, ...config.routing?.retry };
  const direct = splitRef(requested, config);
  if (direct) return { alias: null, strategy: null, targets: [{ ...direct, ref: requested, weight: 1 }], params: null, retry };
  // Own keys only: a model named "constructor" or "__proto__" is not an alias.
  const alias = Object.hasOwn(config.aliases, requested) ? config.aliases[requested] : undefined;
  if (alias) {
    const targets: PlannedTarget[] = [];
    expand(config, requested, null, targets, new Set());
    const strategy = alias.strategy ?? "fallback";
    return {
      alias: requested,
      strategy,
      targets: strategy === "weighted" ? weightedOrder(targets, random) : targets,
      params: alias.params ?? null,
      retry: { ...retry, ...alias.retry },
    };
  }
  const bare = providerForBareModel(requested);
  if (bare) {
    const provider = getProvider(bare)!;
    return { alias: null, strategy: null, targets: [{ provider, model: requested, ref: `${bare}/${requested}`, weight: 1 }], params: null, retry };
  }
  throw new UnknownModel(requested, providersOf(config).keys());
}
