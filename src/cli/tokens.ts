import type { Command } from "commander";
import { describeLimits, showToken, spendFromStore } from "../budgets/describe.ts";
import { recordAudit } from "../settings/audit.ts";
import { allTokens, createToken, revokeToken, updateToken } from "../settings/changes.ts";
import { cliActor } from "./actor.ts";
import { CliError } from "./output.ts";
import { withSettingsTarget } from "./settings-target.ts";

interface LimitFlags {
  budgetDay?: string;
  budgetMonth?: string;
  budgetTotal?: string;
  soft?: boolean;
  hard?: boolean;
  rpm?: string;
  tpm?: string;
  allow?: string[];
  expires?: string;
  clear?: string[];
}

const number = (flag: string, v: string) => {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new CliError(`${flag} wants a number, not '${v}'`);
  return n;
};

const LIMIT_FIELDS = ["budget", "rpm", "tpm", "allow", "expires_at"];

/**
 * The flags as a change to a token's limits. `existing` is the token's budget for update: a budget
 * flag changes that period and keeps the others. `--clear X` removes a limit (null in the change).
 */
function limitsFrom(o: LimitFlags, existing?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const budget: Record<string, unknown> = { ...(existing ?? {}) };
  let budgetTouched = false;
  for (const [flag, key, v] of [
    ["--budget-day", "day", o.budgetDay],
    ["--budget-month", "month", o.budgetMonth],
    ["--budget-total", "total", o.budgetTotal],
  ] as const) {
    if (v === undefined) continue;
    budget[key] = number(flag, v);
    budgetTouched = true;
  }
  if (o.soft || o.hard) {
    budget.soft = o.soft === true;
    if (!o.soft) delete budget.soft;
    budgetTouched = true;
  }
  if (budgetTouched) out.budget = budget;
  if (o.rpm !== undefined) out.rpm = number("--rpm", o.rpm);
  if (o.tpm !== undefined) out.tpm = number("--tpm", o.tpm);
  if (o.allow?.length) out.allow = o.allow;
  if (o.expires !== undefined) {
    const ms = Date.parse(o.expires);
    if (Number.isNaN(ms)) throw new CliError(`--expires wants a date (2027-01-01 or an ISO time), not '${o.expires}'`);
    out.expires_at = new Date(ms).toISOString();
  }
  for (const c of o.clear ?? []) {
    const field = c === "expires" ? "expires_at" : c;
    if (!LIMIT_FIELDS.includes(field)) throw new CliError(`--clear takes one of ${LIMIT_FIELDS.join(", ")}, not '${c}'`);
    out[field] = null;
  }
  return out;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function limitOptions(cmd: Command): Command {
  return cmd
    .option("--budget-day <usd>", "spend budget per UTC day, in USD")
    .option("--budget-month <usd>", "spend budget per UTC month, in USD")
    .option("--budget-total <usd>", "spend budget in total, in USD")
    .option("--soft", "budgets only flag requests over them (header and trace tag) instead of refusing them")
    .option("--hard", "budgets refuse requests once reached (the default)")
    .option("--rpm <n>", "requests per minute")
    .option("--tpm <n>", "tokens (input + output) per minute")
    .option("--allow <pattern>", "a model, alias or provider this token may use (openai/*, smart, openai); repeat for more", collect)
    .option("--expires <date>", "the token stops working at this time (2027-01-01 is midnight UTC)");
}

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("engine API tokens: what clients send as their OpenAI api_key");

  limitOptions(
    tokens
      .command("create")
      .description("create a token; it is printed once and only its hash is stored")
      .option("--name <name>", "a name to recognise it by in traces and lists")
      .option("--admin", "may also read the engine's operational state (/health details)"),
  ).action(async (opts: { name?: string; admin?: boolean } & LimitFlags) => {
    const limits = limitsFrom(opts);
    const { token, entry } = await withSettingsTarget(async (t) => {
      const made = await createToken(t, opts.name, opts.admin === true, cliActor(), limits);
      await recordAudit(t, { actor: cliActor(), action: "token.create", target: made.entry.name, detail: made.entry.admin ? "admin" : null });
      return made;
    });
    process.stdout.write(`${token}\n`);
    const extra = describeLimits(entry);
    process.stderr.write(
      `created ${entry.admin ? "admin " : ""}token '${entry.name}' (id ${entry.id})${extra ? ` with ${extra}` : ""}; it is shown only this once\n`,
    );
  });

  limitOptions(
    tokens
      .command("update <id-or-name>")
      .description("change a token's budgets, rate limits, allowed models or expiry; a running engine applies it from its next reload")
      .option("--clear <limit>", "remove a limit: budget, rpm, tpm, allow or expires; repeat for more", collect),
  ).action(async (which: string, opts: LimitFlags) => {
    const entry = await withSettingsTarget(async (t) => {
      const current = (await allTokens(t)).find(({ entry }) => (entry.id === which || entry.name === which) && !entry.revoked_at);
      const change = limitsFrom(opts, current?.entry.budget);
      if (!Object.keys(change).length)
        throw new CliError("nothing to change: give --budget-day/--budget-month/--budget-total, --soft/--hard, --rpm, --tpm, --allow, --expires or --clear");
      const updated = await updateToken(t, which, change, cliActor());
      await recordAudit(t, { actor: cliActor(), action: "token.update", target: updated.name, detail: describeLimits(updated) || "no limits" });
      return updated;
    });
    process.stdout.write(`updated ${entry.name} (${entry.id}): ${describeLimits(entry) || "no limits"}\n`);
  });

  tokens
    .command("list")
    .description("the tokens (never their secrets), with their limits and their spend (the sum of their traces' cost)")
    .option("--json", "one JSON object per token")
    .action(async (opts: { json?: boolean }) => {
      const list = await withSettingsTarget(async (t) => {
        const all = await allTokens(t);
        // The spend is read only when a token has a budget: a list should not need the trace store otherwise.
        const ledger = all.some(({ entry }) => entry.budget) ? await spendFromStore(t).catch(() => null) : null;
        return all.map(({ entry }) => showToken(entry, ledger?.get(entry.name)));
      });
      if (opts.json) {
        for (const t of list) process.stdout.write(`${JSON.stringify(t)}\n`);
        return;
      }
      if (!list.length) {
        process.stdout.write("no tokens: the engine accepts any key, and only on a loopback address\n");
        return;
      }
      for (const t of list) {
        const limits = describeLimits(t, t.spend);
        process.stdout.write(
          `${t.id}  ${t.name.padEnd(20)}  ${t.admin ? "admin" : "     "}  created ${t.created_at}${t.revoked_at ? `  revoked ${t.revoked_at}` : ""}${limits ? `  ${limits}` : ""}\n`,
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
