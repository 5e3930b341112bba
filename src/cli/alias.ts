import type { Command } from "commander";
import { Alias, AliasName } from "../config/schema.ts";
import { CliError } from "./output.ts";
import { editConfig, readConfig } from "./settings-files.ts";

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerAlias(program: Command): void {
  const alias = program.command("alias").description("name a model (model=\"smart\") so the app never changes when the model does");

  alias
    .command("add <name> <target>")
    .description("add or replace an alias: target is provider/model, fallbacks are tried in order")
    .option("--fallback <target>", "a fallback provider/model (repeatable)", collect, [] as string[])
    .action((name: string, target: string, opts: { fallback: string[] }) => {
      const n = AliasName.safeParse(name);
      if (!n.success) throw new CliError(`invalid alias name '${name}': ${n.error.issues[0].message}`);
      const a = Alias.safeParse({ targets: [target, ...opts.fallback] });
      if (!a.success) {
        const i = a.error.issues[0];
        const bad = [target, ...opts.fallback][Number(i.path[1])];
        throw new CliError(`invalid target '${bad}': ${i.message}`);
      }
      let existed = false;
      editConfig((c) => {
        existed = name in c.aliases;
        c.aliases[name] = a.data;
      });
      process.stdout.write(`${existed ? "updated" : "added"} ${name} → ${a.data.targets.join(" → ")}\n`);
    });

  alias
    .command("list")
    .description("show every alias and its chain")
    .option("--json", "one JSON object per alias")
    .action((opts: { json?: boolean }) => {
      const aliases = Object.entries(readConfig().aliases);
      if (opts.json) {
        for (const [name, a] of aliases) process.stdout.write(JSON.stringify({ name, targets: a.targets }) + "\n");
        return;
      }
      if (!aliases.length) {
        process.stdout.write("no aliases; add one with: opentracy alias add smart openai/gpt-4o\n");
        return;
      }
      const w = Math.max(...aliases.map(([n]) => n.length));
      for (const [name, a] of aliases) {
        const [primary, ...fallbacks] = a.targets;
        process.stdout.write(`${name.padEnd(w)}  ${primary}${fallbacks.length ? `  (fallback: ${fallbacks.join(", ")})` : ""}\n`);
      }
    });

  alias
    .command("rm <name>")
    .description("remove an alias")
    .action((name: string) => {
      if (!(name in readConfig().aliases)) throw new CliError(`no alias named '${name}'`);
      editConfig((c) => {
        delete c.aliases[name];
      });
      process.stdout.write(`removed ${name}\n`);
    });
}
