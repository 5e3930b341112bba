import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { Command } from "commander";
import { writeFileAtomic } from "../fs/write-atomic.ts";
import { isRunId } from "../server/run-prefix.ts";
import { configuredEngineUrl } from "./engine-client.ts";
import { runChild } from "./exec/child.ts";
import { engineForRun } from "./exec/engine.ts";
import { formatSummary, readRun, RunUnreadable, type RunSummary, summarize } from "./exec/summary.ts";
import { CliError, warn } from "./output.ts";

interface ExecOptions {
  url?: string;
  run?: string;
  json?: boolean;
  summaryFile?: string;
  quiet?: boolean;
}

/** What the engine accepts as a key when it has no tokens: any string; the SDKs refuse to start without one. */
const NO_TOKEN = "opentracy";

/**
 * The child's environment: ours, with both SDKs' base URLs on the run's prefix and the engine
 * token (or a placeholder) as their keys. The engine exec may start reads `env`, never this.
 */
export function childEnv(env: NodeJS.ProcessEnv, engineUrl: string, runId: string): Record<string, string | undefined> {
  const key = env.OPENTRACY_TOKEN || NO_TOKEN;
  const base = `${engineUrl}/run/${runId}`;
  return {
    ...env,
    OPENAI_BASE_URL: `${base}/v1`,
    OPENAI_API_KEY: key,
    // The Anthropic SDK appends /v1/messages itself.
    ANTHROPIC_BASE_URL: base,
    ANTHROPIC_API_KEY: key,
    OPENTRACY_RUN_ID: runId,
  };
}

export function registerExec(program: Command): void {
  program
    .command("exec")
    .description("run a command with the OpenAI and Anthropic SDKs pointed at the engine; its calls tagged run=<id>, summed up when it exits")
    .argument("[command...]", "the command and its arguments, after --")
    .option("--url <url>", "the engine to use (env OPENTRACY_URL); default: the configured one if it runs, else one started for the command")
    .option("--run <id>", "name the run (letters, digits, '.', '_', '-'; default exec-<8 hex>)")
    .option("--json", "print the summary as one JSON object on stderr")
    .option("--summary-file <file>", "also write the summary as JSON to this file")
    .option("-q, --quiet", "print nothing of our own on stderr")
    .action(async (command: string[], opts: ExecOptions) => {
      if (command.length === 0) throw new CliError("nothing to run: give the command after --, e.g. opentracy exec -- node app.js");
      const runId = opts.run ?? `exec-${randomBytes(4).toString("hex")}`;
      if (!isRunId(runId)) throw new CliError(`invalid --run '${runId}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
      const env = process.env;
      const say = opts.quiet ? () => {} : (line: string) => process.stderr.write(`opentracy: ${line}\n`);
      const engine = await engineForRun(opts.url, env, say);
      if (engine.needsToken && !env.OPENTRACY_TOKEN && !opts.quiet)
        warn("this engine has tokens: set OPENTRACY_TOKEN to one, or the command's calls are refused (401)");

      const code = await runChild(command, childEnv(env, engine.url, runId));

      let summary: RunSummary | null = null;
      try {
        // The engine exec started is gone once it exits: the link is to the one `serve` would start.
        const ui = { url: engine.started ? configuredEngineUrl(env) : engine.url, started: engine.started };
        summary = summarize(runId, await readRun(engine.url, runId, env.OPENTRACY_TOKEN), ui, code);
      } catch (e) {
        if (!(e instanceof RunUnreadable)) throw e;
        if (!opts.quiet) warn(`no summary for run ${runId}: ${e.message}`);
      }
      await engine.stop();
      if (summary) {
        if (opts.summaryFile) {
          try {
            writeFileAtomic(resolve(opts.summaryFile), `${JSON.stringify(summary, null, 2)}\n`, 0o644);
          } catch (e: any) {
            warn(`could not write --summary-file ${opts.summaryFile}: ${e?.code ?? e?.message ?? e}`);
          }
        }
        if (!opts.quiet) process.stderr.write(opts.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
      }
      process.exit(code);
    });
}
