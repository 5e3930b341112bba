import type { Command } from "commander";
import type { Alias } from "../config/schema.ts";
import { recordAudit } from "../settings/audit.ts";
import { configInForce, putAlias, removeAlias } from "../settings/changes.ts";
import { cliActor } from "./actor.ts";
import { withSettingsTarget } from "./settings-target.ts";
import { CliError } from "./output.ts";
import { engineHealth } from "./engine-client.ts";
import { healthWords } from "../routing/health.ts";

const collect = (v: string, prev: string[]) => [...prev, v];

/** `provider/model` or `provider/model (w=2)`: the chain as people read it. */
function describeTarget(t: Alias["targets"][number]): string {
  return typeof t === "string" ? t : t.weight === undefined ? t.model : `${t.model} (w=${t.weight})`;
}

export function registerAlias(program: Command): void {
  const alias = program.command("alias").description('name a model (model="smart") so the app never changes when the model does');

  alias
    .command("add <name> <target>")
    .description("add or replace an alias: targets are provider/model or another alias; fallbacks are tried in order")
    .option("--fallback <target>", "a fallback target (repeatable, tried in order)", collect, [] as string[])
    .option("--weight <n>", "weight of each target, in order (repeatable; for --strategy weighted)", collect, [] as string[])
    .option("--strategy <strategy>", "fallback (first healthy target) or weighted (spread by weight)")
    .action(async (name: string, target: string, opts: { fallback: string[]; weight: string[]; strategy?: string }) => {
      const refs = [target, ...opts.fallback];
      if (opts.weight.length > refs.length) throw new CliError(`${opts.weight.length} weights for ${refs.length} targets`);
      const weights = opts.weight.map((w) => {
        const v = Number(w);
        if (!(v > 0)) throw new CliError(`invalid weight '${w}': use a positive number`);
        return v;
      });
      const candidate = {
        targets: refs.map((model, i) => (weights[i] === undefined ? model : { model, weight: weights[i] })),
        ...(opts.strategy ? { strategy: opts.strategy } : {}),
      };
      const { existed, alias: a } = await withSettingsTarget(async (t) => {
        const done = await putAlias(t, name, candidate, cliActor());
        await recordAudit(t, { actor: cliActor(), action: "alias.set", target: name, detail: done.alias.targets.map(describeTarget).join(" → ") });
        return done;
      });
      process.stdout.write(`${existed ? "updated" : "added"} ${name} → ${a.targets.map(describeTarget).join(" → ")}\n`);
    });

  alias
    .command("list")
    .description("show every alias, its chain and, when an engine is running, each target's health")
    .option("--json", "one JSON object per alias")
    .action(async (opts: { json?: boolean }) => {
      const aliases = Object.entries((await withSettingsTarget(configInForce)).aliases);
      const health = await engineHealth();
      const healthOf = (t: Alias["targets"][number]) => health?.[typeof t === "string" ? t : t.model];
      // Scripts get the state's name; a target the engine has no record of has never failed.
      const stateOf = (t: Alias["targets"][number]) => healthOf(t)?.state ?? "ok";
      if (opts.json) {
        for (const [name, a] of aliases) {
          process.stdout.write(
            `${JSON.stringify({ name, strategy: a.strategy ?? "fallback", targets: a.targets, health: health ? a.targets.map(stateOf) : null })}\n`,
          );
        }
        return;
      }
      if (!aliases.length) {
        process.stdout.write("no aliases; add one with: opentracy alias add smart openai/gpt-4o\n");
        return;
      }
      const w = Math.max(...aliases.map(([n]) => n.length));
      for (const [name, a] of aliases) {
        const chain = a.targets.map((t) => describeTarget(t) + (health ? ` [${healthWords(healthOf(t))}]` : "")).join(" → ");
        process.stdout.write(`${name.padEnd(w)}  ${a.strategy ?? "fallback"}: ${chain}\n`);
      }
      if (!health) process.stdout.write("(no running engine answered; health not shown)\n");
    });

  alias
    .command("rm <name>")
    .description("remove an alias")
    .action(async (name: string) => {
      await withSettingsTarget(async (t) => {
        await removeAlias(t, name, cliActor());
        await recordAudit(t, { actor: cliActor(), action: "alias.remove", target: name });
      });
      process.stdout.write(`removed ${name}\n`);
    });
}
