import type { Command } from "commander";
import { type Explanation, explainRoute } from "../routing/explain.ts";
import { UnknownModel } from "../routing/plan.ts";
import { engineHealth } from "./engine-client.ts";
import { healthWords } from "../routing/health.ts";
import { CliError } from "./output.ts";
import { withSettingsTarget } from "./settings-target.ts";
import { configInForce } from "../settings/changes.ts";
import { readKeys } from "../settings/files.ts";

const usd = (n: number) => `$${Number(n.toPrecision(4))}`;

export function registerRoute(program: Command): void {
  const route = program.command("route").description("see how the engine routes requests");

  route
    .command("explain <model>")
    .description("how a request for <model> (provider/model, alias or well-known name) would resolve right now")
    .option("--json", "the plan as one JSON object")
    .action(async (requested: string, opts: { json?: boolean }) => {
      const [keys, config] = await withSettingsTarget((t) => Promise.all([readKeys(t), configInForce(t)]));
      const health = await engineHealth();
      let plan: Explanation;
      try {
        plan = explainRoute(requested, { config, ...keys }, process.env, health);
      } catch (e) {
        if (e instanceof UnknownModel) throw new CliError(e.message);
        throw e;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(plan)}\n`);
        return;
      }
      const head = plan.alias ? `${requested}: alias, ${plan.strategy}` : `${requested}: direct`;
      process.stdout.write(`${head}; up to ${plan.retry.max_attempts} attempts per target, no new attempt after ${plan.retry.deadline_ms / 1000}s\n`);
      if (plan.params) process.stdout.write(`  sets ${JSON.stringify(plan.params)}\n`);
      plan.targets.forEach((t, i) => {
        const price = t.price_per_million
          ? `${usd(t.price_per_million.input)} in / ${usd(t.price_per_million.output)} out per 1M` +
            (t.price_per_million.cache_read !== undefined ? `, cache read ${usd(t.price_per_million.cache_read)}` : "")
          : "price unknown";
        const key = t.problem ?? `key ${t.key ?? "none needed"}${t.key_source ? ` (${t.key_source})` : ""}`;
        const weight = plan.strategy === "weighted" ? ` w=${t.weight}` : "";
        process.stdout.write(
          `  ${i + 1}. ${t.target}${weight}  ${key}  health: ${health ? healthWords(health[t.target]) : "unknown (no engine running)"}  ${price}\n`,
        );
      });
    });
}
