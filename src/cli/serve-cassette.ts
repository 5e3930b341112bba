import { resolve } from "node:path";
import type { CassetteMode } from "../cassettes/mode.ts";
import { REPLAY_TIMINGS, type ReplayTiming } from "../cassettes/replay.ts";
import { CliError } from "./output.ts";

export interface CassetteFlags {
  record?: string;
  replay?: string;
  replayTiming?: string;
}

/**
 * `--record` / `--replay` / `--replay-timing`, each falling back to its environment variable; the
 * flags win. A timing set only in the environment is ignored without a replay (a CI-wide setting).
 */
export function cassetteMode(flags: CassetteFlags, env: NodeJS.ProcessEnv): CassetteMode | undefined {
  const fromFlags = flags.record !== undefined || flags.replay !== undefined;
  const record = fromFlags ? flags.record : env.OPENTRACY_RECORD || undefined;
  const replay = fromFlags ? flags.replay : env.OPENTRACY_REPLAY || undefined;
  const timing = flags.replayTiming ?? (env.OPENTRACY_REPLAY_TIMING || undefined);
  if (record !== undefined && replay !== undefined) throw new CliError("--record and --replay cannot be used together: record first, then replay");
  if (timing !== undefined && !REPLAY_TIMINGS.includes(timing as ReplayTiming)) throw new CliError(`invalid --replay-timing '${timing}': use real or none`);
  if (flags.replayTiming !== undefined && replay === undefined) throw new CliError("--replay-timing applies only with --replay DIR");
  if (record !== undefined) return { record: resolve(record) };
  if (replay !== undefined) return { replay: resolve(replay), timing: (timing as ReplayTiming | undefined) ?? "none" };
  return undefined;
}
