import type { Command } from "commander";
import { ConfigFileError } from "../config/files.ts";
import { keySourceLabel, maskKey, resolveKey } from "../providers/credentials.ts";
import { removeProviderKey, type Rotation, rotateMasterKey, storeProviderKey } from "../settings/provider-keys.ts";
import { SealError } from "../settings/seal.ts";
import { recordAudit } from "../settings/audit.ts";
import { cliActor } from "./actor.ts";
import { withSettingsTarget } from "./settings-target.ts";
import { PROVIDERS, type ProviderDef } from "../providers/registry.ts";
import { providersOf } from "../config/custom-providers.ts";
import { CliError, warn } from "./output.ts";
import { readHidden, readStdin } from "./prompt.ts";
import { readConfig, readKeys, removePlainKey } from "../settings/files.ts";
import { paths } from "../config/paths.ts";

/** The built-in providers and the ones config.json defines (opentracy provider add). */
const allProviders = (): ReadonlyMap<string, ProviderDef> => providersOf(readConfig(paths()));

function providerOrFail(name: string): ProviderDef {
  const providers = allProviders();
  const def = providers.get(name);
  if (!def) throw new CliError(`unknown provider '${name}'; known providers: ${[...providers.keys()].join(", ")}`);
  if (def.keyless) throw new CliError(`${name} takes no API key (providers.${name}.key is "none" in config.json)`);
  if (!def.keyEnv) throw new CliError(`${name} takes no API key`);
  return def;
}

async function readKey(def: ProviderDef, arg: string | undefined): Promise<string> {
  if (arg !== undefined) {
    warn("a key given as an argument stays in your shell history; prefer the prompt or a pipe");
    return arg.trim();
  }
  if (process.stdin.isTTY) return (await readHidden(`${def.name} API key: `)).trim();
  return (await readStdin()).trim();
}

/**
 * Several values (Bedrock): on a terminal one prompt each; piped, `NAME=value` lines named like
 * the provider's environment variables, so an existing env file can be piped in as it is.
 */
async function readFields(def: ProviderDef, fields: NonNullable<ProviderDef["credentialFields"]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (process.stdin.isTTY) {
    for (const f of fields) {
      const v = (await readHidden(`${f.env}${f.required ? "" : " (optional, Enter to skip)"}: `)).trim();
      if (v) out[f.secret] = v;
    }
  } else {
    const known = new Map(fields.map((f) => [f.env, f.secret]));
    for (const raw of (await readStdin()).split("\n")) {
      const line = raw.trim().replace(/^export\s+/, "");
      if (!line || line.startsWith("#")) continue;
      const eq = line.indexOf("=");
      const name = eq > 0 ? line.slice(0, eq).trim() : "";
      if (!known.has(name))
        throw new CliError(`${def.name}: expected NAME=value lines with NAME one of ${[...known.keys()].join(", ")}; got '${name || line.slice(0, 20)}'`);
      const value = line
        .slice(eq + 1)
        .trim()
        .replace(/^(["'])(.*)\1$/, "$2");
      if (value) out[known.get(name)!] = value;
    }
  }
  const missing = fields.filter((f) => f.required && !out[f.secret]).map((f) => f.env);
  if (missing.length) throw new CliError(`${def.name} needs ${missing.join(" and ")}; nothing was written`);
  return out;
}

/** The providers `keys set` takes, with the variable that overrides each, and the Bedrock form, from the registry itself. */
function keysSetHelp(): string {
  const takers = [...PROVIDERS.values()].filter((d) => d.keyEnv);
  const w = Math.max(...takers.map((d) => d.name.length));
  const rows = takers.map((d) => {
    const vars = d.credentialFields ? d.credentialFields.map((f) => f.env).join(", ") : d.keyEnv;
    // Azure's key is of no use without its resource endpoint, which is not a secret.
    const also = d.protocol === "azure" ? ` (and ${d.baseUrlEnv}, the resource root)` : "";
    return `  ${d.name.padEnd(w)}  ${vars}${also}`;
  });
  const keyless = [...PROVIDERS.values()].filter((d) => !d.keyEnv).map((d) => `  ${d.name.padEnd(w)}  takes no key`);
  const bedrock = takers.filter((d) => d.credentialFields);
  const forms = bedrock.map((d) => {
    const lines = d.credentialFields!.map((f) => `  ${f.env}=…${f.required ? "" : "   (optional)"}`);
    return `\n\n${d.name} takes several values: one prompt each on a terminal, or NAME=value lines on stdin\n(an env file as it is; \`export\` and quotes are accepted):\n${lines.join("\n")}`;
  });
  const custom = "\n  …and every provider defined in config.json (opentracy provider list): key_env, else <NAME>_API_KEY";
  return `\nProviders (the environment variable beside each wins over the stored key):\n${[...rows, ...keyless].join("\n")}${custom}${forms.join("")}`;
}

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage provider API keys (sealed with the master key in $OPENTRACY_HOME/credentials.json, mode 0600)");

  keys
    .command("set <provider> [key]")
    .description("store a provider key: hidden prompt on a terminal, or piped on stdin")
    .addHelpText("after", keysSetHelp())
    .action(async (name: string, arg: string | undefined) => {
      const def = providerOrFail(name);
      if (def.credentialFields) {
        if (arg !== undefined) throw new CliError(`${def.name} takes several values; pipe NAME=value lines or use the prompt`);
        const values = await readFields(def, def.credentialFields);
        await store(def, values);
        process.stdout.write(`stored ${def.name} credentials for ${maskKey(values[def.secretName]!)}, sealed\n`);
        return;
      }
      const key = await readKey(def, arg);
      if (!key) throw new CliError("no key given (empty input); nothing was written");
      if (/\s/.test(key)) throw new CliError("the key contains white space; nothing was written");
      await store(def, { [def.secretName]: key });
      process.stdout.write(`stored ${def.name} key ${maskKey(key)}, sealed\n`);
      if (def.keyEnv && process.env[def.keyEnv]) {
        warn(`${def.keyEnv} is set in this environment and takes precedence over the stored key`);
      }
    });

  keys
    .command("list")
    .description("show each provider's key, masked, and where it comes from")
    .option("--json", "one JSON object per provider")
    .action(async (opts: { json?: boolean }) => {
      const { secrets, sealed } = await withSettingsTarget(readKeys);
      const providers = allProviders();
      const rows = [...providers.values()]
        .filter((d) => d.keyEnv)
        .map((d) => {
          const k = resolveKey(d, secrets, process.env, sealed);
          return { provider: d.name, key: k ? maskKey(k.value) : null, source: k ? keySourceLabel(d, k.source) : null };
        });
      if (opts.json) {
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const w = Math.max(...rows.map((r) => r.provider.length));
      for (const r of rows) {
        process.stdout.write(`${r.provider.padEnd(w)}  ${(r.key ?? "—").padEnd(12)}  ${r.source ?? `not set (${providers.get(r.provider)!.keyEnv})`}\n`);
      }
    });

  keys
    .command("rm <provider>")
    .description("remove a stored key (sealed, and any copy in secrets.json)")
    .action(async (name: string) => {
      const def = providerOrFail(name);
      await withSettingsTarget(async (t) => {
        const sealed = await removeProviderKey(t, def, cliActor());
        const plain = removePlainKey(def, t.p);
        if (!sealed && !plain) throw new CliError(`no ${def.name} key is stored (neither sealed nor in secrets.json)`);
        await recordAudit(t, { actor: cliActor(), action: "key.remove", target: def.name });
      });
      process.stdout.write(`removed ${def.name} key\n`);
      if (def.keyEnv && process.env[def.keyEnv]) warn(`${def.keyEnv} is still set in this environment, and the engine will use it`);
    });

  keys
    .command("rotate-master")
    .description("seal every stored key again under a new master key, losing none")
    .addHelpText(
      "after",
      "\nWith master.key in $OPENTRACY_HOME, a new key is made and the old one kept as master.key.previous\n" +
        "until every secret is sealed again; an interrupted run is finished by running it again.\n" +
        "With OPENTRACY_MASTER_KEY, put the new key there and the old one in OPENTRACY_MASTER_KEY_PREVIOUS,\n" +
        "run this, then give every engine the new key and drop the previous one.",
    )
    .action(async () => {
      const r: Rotation = await withSettingsTarget(async (t) => {
        let done: Rotation;
        try {
          done = await rotateMasterKey(t, cliActor());
        } catch (e) {
          if (e instanceof SealError || e instanceof ConfigFileError) throw new CliError(`${e.message} (nothing was lost: every key is sealed as it was)`);
          throw e;
        }
        await recordAudit(t, { actor: cliActor(), action: "master_key.rotate", target: done.to, detail: `${done.resealed} secrets sealed again` });
        return done;
      });
      const from = r.from.length ? r.from.join(", ") : "none";
      process.stdout.write(`sealed ${r.resealed} secret${r.resealed === 1 ? "" : "s"} again under master key ${r.to} (was ${from})\n`);
      if (r.envKey && r.from.every((id) => id === r.to))
        warn("OPENTRACY_MASTER_KEY did not change, so neither did the key: set the new key there and the old one in OPENTRACY_MASTER_KEY_PREVIOUS first");
    });
}

/**
 * Seals the provider's credentials and drops their plain-text copy from secrets.json, so a key set
 * with the CLI exists on disk only sealed. The seal is written first: a crash between the two
 * leaves the key in both places, never in neither.
 */
async function store(def: ProviderDef, values: Record<string, string>): Promise<void> {
  await withSettingsTarget(async (t) => {
    try {
      await storeProviderKey(t, def, values, cliActor());
    } catch (e) {
      if (e instanceof SealError || e instanceof ConfigFileError) throw new CliError(`${e.message}; nothing was written`);
      throw e;
    }
    removePlainKey(def, t.p);
    await recordAudit(t, { actor: cliActor(), action: "key.set", target: def.name });
  });
}
