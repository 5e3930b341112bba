import type { Command } from "commander";
import { keySourceLabel, maskKey, resolveKey } from "../providers/credentials.ts";
import { pricePerMillion } from "../pricing/cost.ts";
import { planRoute, UnknownModel } from "../routing/plan.ts";
import { prepareTarget } from "../routing/attempt.ts";
import { engineHealth } from "./engine-client.ts";
import { healthWords } from "../routing/health.ts";
import { CliError } from "./output.ts";
import { readConfig, readKeys } from "./settings-files.ts";

const usd = (n: number) => `$${Number(n.toPrecision(4))}`;

export function registerRoute(program: Command): void {
  const route = program.command("route").description("see how the engine routes requests");

  route
    .command("explain <model>")
    .description("how a request for <model> (provider/model, alias or well-known name) would resolve right now")
    .option("--json", "the plan as one JSON object")
    .action(async (requested: string, opts: { json?: boolean }) => {
      const config = readConfig();
      const { secrets, sealed } = await readKeys();
      let plan;
      try {
        // Weighted aliases are listed in their configured order: the draw happens per request.
        plan = planRoute(requested, config, () => 0);
      } catch (e) {
        if (e instanceof UnknownModel) throw new CliError(e.message);
        throw e;
      }
      const health = await engineHealth();
      const targets = plan.targets.map((t) => {
        const prepared = prepareTarget(t, { config, secrets, sealed }, process.env);
        const key = resolveKey(t.provider, secrets, process.env, sealed);
        return {
          target: t.ref,
          weight: t.weight,
          key: key ? maskKey(key.value) : null,
          key_source: key ? keySourceLabel(t.provider, key.source) : null,
          problem: "error" in prepared ? prepared.error.message : null,
          health: health ? (health[t.ref]?.state ?? "ok") : null,
          cooling_until: health?.[t.ref]?.cooling_until ?? null,
          price_per_million: pricePerMillion(t.provider.name, t.model, config.prices),
        };
      });
      const out = { requested, alias: plan.alias, strategy: plan.strategy, retry: plan.retry, params: plan.params, targets };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      const head = plan.alias ? `${requested}: alias, ${plan.strategy}` : `${requested}: direct`;
      process.stdout.write(`${head}; up to ${plan.retry.max_attempts} attempts per target, no new attempt after ${plan.retry.deadline_ms / 1000}s\n`);
      if (plan.params) process.stdout.write(`  sets ${JSON.stringify(plan.params)}\n`);
      targets.forEach((t, i) => {
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
