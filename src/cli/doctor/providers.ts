import type { Config } from "../../config/schema.ts";
import type { FileResults } from "./files.ts";
import { maskKey, resolveKey } from "../../providers/credentials.ts";
import type { ProviderDef } from "../../providers/registry.ts";
import { providersOf } from "../../config/custom-providers.ts";
import type { Target } from "../../providers/types.ts";
import { prepareTarget } from "../../routing/attempt.ts";
import { probeProvider } from "../../providers/probe.ts";
import { type Check, fail, info, pass } from "./check.ts";

const ONLINE_TIMEOUT_MS = 5000;

export interface ProviderResults {
  checks: Check[];
  /** The providers whose credentials resolved, ready for an online check. */
  ready: Target[];
}

/**
 * Each provider's credentials, resolved by the engine's own step (prepareTarget → the adapter's
 * `credentials`), so Azure's endpoint and Bedrock's profile files count exactly as when serving.
 * Keys appear only masked.
 */
export function checkProviders({ config, secrets, sealed }: Pick<FileResults, "config" | "secrets" | "sealed">, env: NodeJS.ProcessEnv): ProviderResults {
  const checks: Check[] = [];
  const ready: Target[] = [];
  const unset: string[] = [];
  const used = providersUsedByAliases(config);
  for (const provider of providersOf(config).values()) {
    // A server defined in config.json that takes no key is still checked online: it was configured on purpose.
    if (!provider.keyEnv && !provider.custom) continue;
    const prepared = prepareTarget({ provider, model: "", ref: provider.name, weight: 1 }, { config, secrets, sealed }, env);
    if ("target" in prepared) {
      ready.push(prepared.target);
      checks.push(pass("keys", `${provider.name}: ${describeKey(provider, prepared.target)}`));
      continue;
    }
    const aliases = used.get(provider.name);
    const partial = resolveKey(provider, secrets, env, sealed) !== null;
    if (aliases || partial) {
      const why = aliases ? `alias ${aliases.join(", ")} routes to ${provider.name}, which is not configured` : `${provider.name} is not fully configured`;
      checks.push(fail("keys", `${why}: ${prepared.error.message}`, fixFor(provider, partial)));
    } else {
      unset.push(provider.name);
    }
  }
  if (ready.length === 0) {
    checks.push(
      fail(
        "keys",
        "no provider has a key, so every request would be refused (only ollama needs none)",
        "opentracy keys set openai   (any provider: opentracy keys set --help)",
      ),
    );
  } else if (unset.length) {
    checks.push(info("keys", `no key (unused): ${unset.join(", ")}`, "opentracy keys set <provider> to add one"));
  }
  return { checks, ready };
}

function describeKey(provider: ProviderDef, target: Target): string {
  if (provider.keyless) return `takes no key, at ${target.baseUrl}`;
  if (target.aws) return `key ${maskKey(target.aws.accessKeyId)} from ${target.aws.source}, region ${target.aws.region}`;
  // The credentials step already said where the key came from (keySourceName): no second lookup.
  const from = provider.keyEnv && target.keySource === provider.keyEnv ? `env ${provider.keyEnv}` : (target.keySource ?? "").replace(/ \(.*\)$/, "");
  return `key ${maskKey(target.key ?? "")} from ${from}${provider.protocol === "azure" ? `, endpoint ${target.baseUrl}` : ""}`;
}

function fixFor(provider: ProviderDef, hasKey: boolean): string {
  if (provider.protocol === "azure" && hasKey) return `export ${provider.baseUrlEnv}=https://<resource>.openai.azure.com`;
  if (provider.credentialFields) return `opentracy keys set ${provider.name}   (or pipe ${provider.credentialFields.map((f) => `${f.env}=…`).join(" ")} lines)`;
  return `opentracy keys set ${provider.name}`;
}

/** provider name → the aliases with a target on it (direct `provider/model` targets; nested aliases name their own). */
function providersUsedByAliases(config: Config): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const known = providersOf(config);
  for (const [name, alias] of Object.entries(config.aliases)) {
    for (const t of alias.targets) {
      const ref = typeof t === "string" ? t : t.model;
      const provider = ref.slice(0, Math.max(0, ref.indexOf("/")));
      if (!known.has(provider)) continue;
      const list = used.get(provider) ?? [];
      if (!list.includes(name)) list.push(name);
      used.set(provider, list);
    }
  }
  return used;
}

/** One request per configured provider, all at once, each within ONLINE_TIMEOUT_MS. */
export function checkOnline(ready: Target[]): Promise<Check[]> {
  return Promise.all(ready.map(online));
}

async function online(t: Target): Promise<Check> {
  const area = "online";
  const name = t.provider.name;
  const r = await probeProvider(t, ONLINE_TIMEOUT_MS);
  const latency = { latency_ms: r.latency_ms ?? undefined };
  switch (r.verdict) {
    case "not_checked":
      return info(area, `${name}: not checked (no free authenticated call on its runtime API); a first request tells`);
    case "unreachable":
      return { ...fail(area, `${name}: unreachable at ${r.origin} (${r.reason})`, `check the network, or the base URL: ${t.provider.baseUrlEnv}`), ...latency };
    case "key_rejected":
      return { ...fail(area, `${name}: key rejected (HTTP ${r.status}) in ${r.latency_ms} ms`, fixFor(t.provider, false)), ...latency };
    case "http_error":
      return {
        ...fail(area, `${name}: answered HTTP ${r.status} in ${r.latency_ms} ms`, `check the base URL: ${t.provider.baseUrlEnv} (now ${t.baseUrl})`),
        ...latency,
      };
    case "ok":
      return pass(area, `${name}: ok, key accepted in ${r.latency_ms} ms`, latency);
  }
}
