import type { Command } from "commander";
import { maskKey, resolveKey } from "../config/keys.ts";
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

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage provider API keys (stored in $OPENTRACY_HOME/secrets.json, mode 0600)");

  keys
    .command("set <provider> [key]")
    .description("store a provider key: hidden prompt on a terminal, or piped on stdin")
    .action(async (name: string, arg: string | undefined) => {
      const def = providerOrFail(name);
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
        for (const r of rows) process.stdout.write(JSON.stringify(r) + "\n");
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
      });
      process.stdout.write(`removed ${def.name} key\n`);
    });
}
