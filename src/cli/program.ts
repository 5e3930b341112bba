import { Command } from "commander";
import { VERSION } from "../version.ts";
import { registerServe } from "./serve.ts";
import { registerKeys } from "./keys.ts";
import { registerAlias } from "./alias.ts";
import { registerProvider } from "./provider.ts";
import { registerTraces } from "./traces.ts";
import { registerRoute } from "./route.ts";
import { registerTokens } from "./tokens.ts";
import { registerDoctor } from "./doctor.ts";
import { registerExec } from "./exec.ts";
import { registerReplay } from "./replay/command.ts";
import { exitOnError, guardProcess, takeVerbose } from "./exit.ts";
import { addExamples } from "./examples.ts";

export function buildProgram(): Command {
  const program = new Command("opentracy")
    .description("Local-first LLM gateway: point any OpenAI client at it, every call becomes a trace")
    .version(VERSION)
    .option("--verbose", "print the stack of an unexpected error (also OPENTRACY_DEBUG=1)")
    .showHelpAfterError("(run with --help for usage)");
  registerServe(program);
  registerKeys(program);
  registerAlias(program);
  registerProvider(program);
  registerTraces(program);
  registerRoute(program);
  registerTokens(program);
  registerDoctor(program);
  registerExec(program);
  registerReplay(program);
  addExamples(program);
  return program;
}

export async function run(rawArgv: string[]): Promise<void> {
  const { argv, verbose } = takeVerbose(rawArgv, process.env);
  // A crash of a running engine is a bug to report: its log keeps the stack whatever the flags.
  const serving = argv.slice(2).find((a) => !a.startsWith("-")) === "serve";
  guardProcess(verbose || serving);
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    exitOnError(e, verbose);
  }
}
