import type { Command } from "commander";
import { recordAudit } from "../settings/audit.ts";
import { allTokens, createToken, revokeToken } from "../settings/changes.ts";
import { cliActor } from "./actor.ts";
import { withSettingsTarget } from "./settings-target.ts";

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("engine API tokens: what clients send as their OpenAI api_key");

  tokens
    .command("create")
    .description("create a token; it is printed once and only its hash is stored")
    .option("--name <name>", "a name to recognise it by in traces and lists")
    .option("--admin", "may also read the engine's operational state (/health details)")
    .action(async (opts: { name?: string; admin?: boolean }) => {
      const { token, entry } = await withSettingsTarget(async (t) => {
        const made = await createToken(t, opts.name, opts.admin === true, cliActor());
        await recordAudit(t, { actor: cliActor(), action: "token.create", target: made.entry.name, detail: made.entry.admin ? "admin" : null });
        return made;
      });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`created ${entry.admin ? "admin " : ""}token '${entry.name}' (id ${entry.id}); it is shown only this once\n`);
    });

  tokens
    .command("list")
    .description("the tokens (never their secrets)")
    .option("--json", "one JSON object per token")
    .action(async (opts: { json?: boolean }) => {
      const list = (await withSettingsTarget(allTokens)).map(({ entry: { hash: _hash, ...t } }) => t);
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
    .action(async (which: string) => {
      const hit = await withSettingsTarget(async (t) => {
        const revoked = await revokeToken(t, which, cliActor());
        await recordAudit(t, { actor: cliActor(), action: "token.revoke", target: revoked.name });
        return revoked;
      });
      process.stdout.write(`revoked ${hit.name} (${hit.id})\n`);
    });
}
