import { Command, CommanderError } from "commander";
import { VERSION } from "../version.ts";
import { registerServe } from "./serve.ts";
import { registerKeys } from "./keys.ts";
import { registerAlias } from "./alias.ts";
import { registerTraces } from "./traces.ts";
import { registerRoute } from "./route.ts";
import { registerTokens } from "./tokens.ts";
import { CliError, fail } from "./output.ts";

export function buildProgram(): Command {
  const program = new Command("opentracy")
    .description("Local-first LLM gateway: point any OpenAI client at it, every call becomes a trace")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)");
  registerServe(program);
  registerKeys(program);
  registerAlias(program);
  registerTraces(program);
  registerRoute(program);
  registerTokens(program);
  return program;
}

export async function run(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    if (e instanceof CliError) fail(e.message);
    throw e;
  }
}
