import { describe, expect, test } from "bun:test";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.ts";
import { commandPath, EXAMPLES } from "../../src/cli/examples.ts";
import { PROVIDERS } from "../../src/providers/registry.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

// Every command of the real program, found by walking it: a command added later is covered too.
function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}
const paths = allCommands(buildProgram()).map(commandPath);
const home = tempHome();

describe("--help", () => {
  test("the walk finds the program, its groups and their subcommands", () => {
    for (const p of ["", "serve", "keys", "keys set", "alias add", "traces tail", "route explain", "tokens revoke", "doctor"]) expect(paths).toContain(p);
  });

  test("every command's --help ends with an Examples: section of opentracy command lines", async () => {
    const helps = await Promise.all(paths.map((p) => runCli([...p.split(" ").filter(Boolean), "--help"], { home })));
    const missing: string[] = [];
    helps.forEach((r, i) => {
      expect(r.code).toBe(0);
      const section = r.stdout.split("\nExamples:\n")[1];
      const lines = section?.split("\n").filter((l) => l.trim()) ?? [];
      if (lines.length === 0 || !lines.every((l) => /^ {2}\S/.test(l) && l.includes("opentracy"))) missing.push(paths[i] || "(program)");
      // each example names the command it documents
      else expect(lines.some((l) => l.includes(`opentracy ${paths[i]}`.trim()))).toBe(true);
    });
    expect(missing).toEqual([]);
  });

  test("no examples for a command that does not exist", () => {
    expect(Object.keys(EXAMPLES).filter((k) => !paths.includes(k))).toEqual([]);
  });

  test("keys set --help names every provider with its variable, and the Bedrock form", async () => {
    const r = await runCli(["keys", "set", "--help"], { home });
    expect(r.code).toBe(0);
    for (const def of PROVIDERS.values()) {
      expect(r.stdout).toMatch(new RegExp(`^  ${def.name} +${def.keyEnv ?? "takes no key"}`, "m"));
    }
    for (const f of PROVIDERS.get("bedrock")!.credentialFields!) expect(r.stdout).toMatch(new RegExp(`^  ${f.env}=…`, "m"));
    expect(r.stdout).toContain("NAME=value lines on stdin");
    expect(r.stdout).toContain("opentracy keys set bedrock <");
  });
});
