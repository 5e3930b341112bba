import type { Command } from "commander";
import type { ProviderOverride } from "../config/schema.ts";
import { customProviders } from "../config/custom-providers.ts";
import { PROVIDER_NAMES, type ProviderDef } from "../providers/registry.ts";
import { recordAudit } from "../settings/audit.ts";
import { configInForce, putProvider, removeProvider } from "../settings/changes.ts";
import { cliActor } from "./actor.ts";
import { CliError } from "./output.ts";
import { withSettingsTarget } from "./settings-target.ts";

const collect = (v: string, prev: string[]) => [...prev, v];

/** `--header K=V`, repeatable; the value may hold '='. */
function parseHeaders(pairs: string[]): Record<string, string> | undefined {
  if (!pairs.length) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq).trim() : "";
    if (!name || /\s/.test(name)) throw new CliError(`invalid --header '${pair}': use Name=value; nothing was written`);
    headers[name] = pair.slice(eq + 1);
  }
  return headers;
}

/** Where the key comes from, as `provider list` says it. */
const keyWords = (d: ProviderDef) => (d.keyless ? "no key" : `key from ${d.keyEnv} or opentracy keys set ${d.name}`);

/** The audit line: never a header's value (it may be a credential). */
const describe = (e: ProviderOverride) =>
  [
    e.protocol,
    e.base_url,
    e.key === "none" ? "no key" : e.key_env ? `key_env ${e.key_env}` : null,
    e.headers ? `headers ${Object.keys(e.headers).join(",")}` : null,
  ]
    .filter(Boolean)
    .join(" ");

export function registerProvider(program: Command): void {
  const provider = program
    .command("provider")
    .description("define your own providers (vLLM, SGLang, llama.cpp, LM Studio, TGI or any OpenAI-compatible server) in config.json");

  provider
    .command("add <name>")
    .description("add or replace a provider: then name/model works in requests, aliases and fallbacks")
    .requiredOption("--base-url <url>", "where the server answers, e.g. http://localhost:8000/v1 (OpenAI-style: include the /v1)")
    .option("--protocol <protocol>", "openai (any OpenAI-compatible server) or anthropic", "openai")
    .option("--key-env <var>", "the environment variable holding its key (default: <NAME>_API_KEY, or a key stored with keys set <name>)")
    .option("--no-key", "the server takes no key: none is sent")
    .option("--header <name=value>", "a header sent on every request (repeatable)", collect, [] as string[])
    .action(async (name: string, opts: { baseUrl: string; protocol: string; keyEnv?: string; key: boolean; header: string[] }) => {
      if (opts.keyEnv !== undefined && !opts.key) throw new CliError("--key-env and --no-key contradict each other; keep one; nothing was written");
      const headers = parseHeaders(opts.header);
      const definition = {
        protocol: opts.protocol,
        base_url: opts.baseUrl,
        ...(opts.keyEnv !== undefined ? { key_env: opts.keyEnv } : {}),
        ...(opts.key ? {} : { key: "none" }),
        ...(headers ? { headers } : {}),
      } as ProviderOverride;
      const { existed } = await withSettingsTarget(async (t) => {
        const done = putProvider(t, name, definition);
        await recordAudit(t, { actor: cliActor(), action: done.existed ? "provider.update" : "provider.add", target: name, detail: describe(definition) });
        return done;
      });
      process.stdout.write(`${existed ? "updated" : "added"} provider ${name} (${definition.protocol}, ${definition.base_url}); use it as ${name}/<model>\n`);
    });

  provider
    .command("list")
    .description("the providers defined in config.json (the built-in ones are listed after)")
    .option("--json", "one JSON object per provider defined in config.json")
    .action(async (opts: { json?: boolean }) => {
      const config = await withSettingsTarget(configInForce);
      const defs = customProviders(config);
      if (opts.json) {
        for (const d of defs) {
          const headers = Object.keys(config.providers[d.name]?.headers ?? {});
          process.stdout.write(
            `${JSON.stringify({ name: d.name, protocol: d.protocol, base_url: d.baseUrl, key_env: d.keyEnv, takes_key: !d.keyless, headers })}\n`,
          );
        }
        return;
      }
      if (!defs.length)
        process.stdout.write("no providers defined; add one with: opentracy provider add student --base-url http://localhost:8000/v1 --no-key\n");
      else {
        const w = Math.max(...defs.map((d) => d.name.length));
        for (const d of defs) process.stdout.write(`${d.name.padEnd(w)}  ${d.protocol.padEnd(9)}  ${d.baseUrl}  ${keyWords(d)}\n`);
      }
      process.stdout.write(`built in: ${PROVIDER_NAMES.join(", ")}\n`);
    });

  provider
    .command("rm <name>")
    .description("remove a provider defined in config.json (refused while an alias or a price names it)")
    .action(async (name: string) => {
      await withSettingsTarget(async (t) => {
        await removeProvider(t, name);
        await recordAudit(t, { actor: cliActor(), action: "provider.remove", target: name });
      });
      process.stdout.write(`removed provider ${name}\n`);
    });
}
