import type { Command } from "commander";
import { newToken } from "../auth/tokens.ts";
import { CliError } from "./output.ts";
import { editTokens, readTokens } from "./settings-files.ts";

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("engine API tokens: what clients send as their OpenAI api_key");

  tokens
    .command("create")
    .description("create a token; it is printed once and only its hash is stored")
    .option("--name <name>", "a name to recognise it by in traces and lists")
    .option("--admin", "may also read the engine's operational state (/health details)")
    .action((opts: { name?: string; admin?: boolean }) => {
      const existing = readTokens().tokens;
      const name = opts.name ?? `token-${existing.length + 1}`;
      if (existing.some((t) => t.name === name && !t.revoked_at)) throw new CliError(`a token named '${name}' exists; revoke it or pick another name`);
      const { token, entry } = newToken(name, opts.admin === true);
      editTokens((f) => {
        f.tokens.push(entry);
      });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`created ${entry.admin ? "admin " : ""}token '${name}' (id ${entry.id}); it is shown only this once\n`);
    });

  tokens
    .command("list")
    .description("the tokens (never their secrets)")
    .option("--json", "one JSON object per token")
    .action((opts: { json?: boolean }) => {
      const list = readTokens().tokens.map(({ hash: _hash, ...t }) => t);
      if (opts.json) {
        for (const t of list) process.stdout.write(`${JSON.stringify(t)}\n`);
        return;
      }
      if (!list.length) {
        process.stdout.write("no tokens: the engine accepts any key, and only on a loopback address\n");
        return;
      }
      for (const t of list) {
        process.stdout.write(
          `${t.id}  ${t.name.padEnd(20)}  ${t.admin ? "admin" : "     "}  created ${t.created_at}${t.revoked_at ? `  revoked ${t.revoked_at}` : ""}\n`,
        );
      }
    });

  tokens
    .command("revoke <id-or-name>")
    .description("revoke a token; a running engine refuses it from the next request")
    .action((which: string) => {
      const hit = readTokens().tokens.find((t) => (t.id === which || t.name === which) && !t.revoked_at);
      if (!hit) throw new CliError(`no active token with id or name '${which}'`);
      editTokens((f) => {
        const t = f.tokens.find((x) => x.id === hit.id)!;
        t.revoked_at = new Date().toISOString();
      });
      process.stdout.write(`revoked ${hit.name} (${hit.id})\n`);
    });
}
