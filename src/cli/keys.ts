import type { Command } from "commander";
import { maskKey, resolveKey } from "../providers/credentials.ts";
import { getProvider, PROVIDERS, PROVIDER_NAMES, type ProviderDef } from "../providers/registry.ts";
import { CliError, warn } from "./output.ts";
import { readHidden, readStdin } from "./prompt.ts";
import { editSecrets, readSecrets } from "./settings-files.ts";

function providerOrFail(name: string): ProviderDef {
  const def = getProvider(name);
  if (!def) throw new CliError(`unknown provider '${name}'; known providers: ${PROVIDER_NAMES.join(", ")}`);
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
  return `\nProviders (the environment variable beside each wins over the stored key):\n${[...rows, ...keyless].join("\n")}${forms.join("")}`;
}

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage provider API keys (stored in $OPENTRACY_HOME/secrets.json, mode 0600)");

  keys
    .command("set <provider> [key]")
    .description("store a provider key: hidden prompt on a terminal, or piped on stdin")
    .addHelpText("after", keysSetHelp())
    .action(async (name: string, arg: string | undefined) => {
      const def = providerOrFail(name);
      if (def.credentialFields) {
        if (arg !== undefined) throw new CliError(`${def.name} takes several values; pipe NAME=value lines or use the prompt`);
        const values = await readFields(def, def.credentialFields);
        editSecrets((s) => {
          // Replace the whole set: a stale session token from an older set must not survive.
          for (const f of def.credentialFields!) delete s[f.secret];
          Object.assign(s, values);
        });
        process.stdout.write(`stored ${def.name} credentials for ${maskKey(values[def.secretName])}\n`);
        return;
      }
      const key = await readKey(def, arg);
      if (!key) throw new CliError("no key given (empty input); nothing was written");
      if (/\s/.test(key)) throw new CliError("the key contains white space; nothing was written");
      editSecrets((s) => {
        s[def.secretName] = key;
      });
      process.stdout.write(`stored ${def.name} key ${maskKey(key)}\n`);
      if (def.keyEnv && process.env[def.keyEnv]) {
        warn(`${def.keyEnv} is set in this environment and takes precedence over the stored key`);
      }
    });

  keys
    .command("list")
    .description("show each provider's key, masked, and where it comes from")
    .option("--json", "one JSON object per provider")
    .action((opts: { json?: boolean }) => {
      const secrets = readSecrets();
      const rows = [...PROVIDERS.values()]
        .filter((d) => d.keyEnv)
        .map((d) => {
          const k = resolveKey(d, secrets, process.env);
          const source = k ? (k.source === "env" ? `env ${d.keyEnv}` : "file") : null;
          return { provider: d.name, key: k ? maskKey(k.value) : null, source };
        });
      if (opts.json) {
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const w = Math.max(...rows.map((r) => r.provider.length));
      for (const r of rows) {
        process.stdout.write(`${r.provider.padEnd(w)}  ${(r.key ?? "—").padEnd(12)}  ${r.source ?? `not set (${PROVIDERS.get(r.provider)!.keyEnv})`}\n`);
      }
    });

  keys
    .command("rm <provider>")
    .description("remove a stored key")
    .action((name: string) => {
      const def = providerOrFail(name);
      if (!(def.secretName in readSecrets())) throw new CliError(`no ${def.name} key is stored in secrets.json`);
      editSecrets((s) => {
        delete s[def.secretName];
        for (const f of def.credentialFields ?? []) delete s[f.secret];
      });
      process.stdout.write(`removed ${def.name} key\n`);
    });
}
