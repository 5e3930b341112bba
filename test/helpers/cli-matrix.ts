import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childEnv, tempHome } from "./cli.ts";

/**
 * Every command and subcommand of the CLI, against every way its surroundings can be broken. The
 * promise under test: whatever happens, at most a couple of lines on stderr, never a stack trace
 * and never source code (the compiled binary's default would print pages of its bundle).
 */
export const COMMANDS: string[][] = [
  ["serve", "--port", "0"],
  ["keys", "set", "openai"],
  ["keys", "list"],
  ["keys", "rm", "openai"],
  ["keys", "rotate-master"],
  ["alias", "add", "smart", "openai/gpt-4o"],
  ["alias", "list"],
  ["alias", "rm", "smart"],
  ["provider", "add", "student", "--base-url", "http://127.0.0.1:9/v1", "--no-key"],
  ["provider", "list"],
  ["provider", "rm", "student"],
  ["traces", "tail", "--no-follow"],
  ["traces", "prune"],
  ["traces", "export"],
  ["route", "explain", "gpt-4o"],
  ["tokens", "create", "--name", "ci"],
  ["tokens", "list"],
  ["tokens", "revoke", "ci"],
  ["doctor"],
  ["exec", "--", "true"],
  ["replay", "--to", "gpt-4o"],
];

/** A home folder broken in one way; `home` is what OPENTRACY_HOME is set to. */
export interface Condition {
  name: string;
  home(): string;
}

const homeWith = (file: string, text: string) => () => {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, file), text, { mode: 0o600 });
  return home;
};

export const CONDITIONS: Condition[] = [
  { name: "a config.json with a syntax error", home: homeWith("config.json", '{"aliases": {\n  "smart": {"targets": ["openai/gpt-4o"]}\n') },
  { name: "a config.json of the wrong shape", home: homeWith("config.json", '{"aliases": 3}') },
  { name: "a corrupt secrets.json", home: homeWith("secrets.json", "sk-not-json") },
  { name: "a corrupt tokens.json", home: homeWith("tokens.json", '{"tokens": [{"id": 1}]}') },
  { name: "a corrupt credentials.json", home: homeWith("credentials.json", '{"version": 1, "secrets": {"openai_api_key": "sk-plain"}}') },
  {
    // Sealed under a master key this home no longer has (master.key lost, or OPENTRACY_MASTER_KEY unset).
    name: "sealed keys without their master key",
    home: homeWith("credentials.json", '{"version": 1, "secrets": {"openai_api_key": "ots1.0badc0de.AAAAAAAAAAAAAAAA.AAAA"}}'),
  },
  {
    // Root reads any folder whatever its mode, so "unreadable" is made the way root meets it too: a file where the folder should be.
    name: "a home that is not a folder",
    home: () => {
      const file = join(mkdtempSync(join(tmpdir(), "opentracy-test-")), "home");
      writeFileSync(file, "not a folder");
      return join(file, "inner");
    },
  },
];

export interface Outcome {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Runs `program args` with no terminal and an empty stdin, as CI and cron do. */
export async function runPlain(program: string[], args: string[], home: string): Promise<Outcome> {
  const proc = Bun.spawn([...program, ...args], { env: childEnv(home), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Runs `program args | true`: the reader is gone before the program writes, so its writes meet EPIPE. */
export async function runIntoClosedPipe(program: string[], args: string[], home: string): Promise<Outcome> {
  const quoted = [...program, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const errFile = join(mkdtempSync(join(tmpdir(), "opentracy-pipe-")), "stderr");
  const proc = Bun.spawn(["bash", "-c", `set -o pipefail; ${quoted} 2>"$ERRFILE" | true; echo "$?"`], {
    env: { ...childEnv(home), ERRFILE: errFile },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return { code: Number(out.trim()), stdout: "", stderr: readFileSync(errFile, "utf8") };
}

/** What "never crashes" means for one run's stderr. */
export function crashSigns(stderr: string): string[] {
  const signs: string[] = [];
  const lines = stderr.split("\n").filter((l) => l.trim());
  if (lines.length > 3) signs.push(`${lines.length} lines on stderr`);
  if (/^\s+at\s/m.test(stderr)) signs.push("a stack trace");
  if (/\$bunfs|node_modules|\.tsx?:\d+/.test(stderr)) signs.push("a source path");
  if (/^\s*\d+\s*\|/m.test(stderr)) signs.push("a source excerpt");
  return signs;
}

/** A working home with something in every file, so the listing commands have lines to write. */
async function populatedHome(program: string[]): Promise<string> {
  const home = tempHome();
  const setup = [
    { args: ["keys", "set", "openai"], stdin: "sk-test-abcd1234" },
    { args: ["alias", "add", "smart", "openai/gpt-4o", "--fallback", "groq/llama-3.3-70b-versatile"] },
    { args: ["tokens", "create", "--name", "ci"] },
  ];
  for (const step of setup) {
    const proc = Bun.spawn([...program, ...step.args], {
      env: childEnv(home),
      stdin: step.stdin === undefined ? "ignore" : new TextEncoder().encode(step.stdin),
      stdout: "ignore",
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`setup ${step.args.join(" ")} failed: ${stderr}`);
  }
  return home;
}

/** Types Ctrl-C at `keys set`'s hidden prompt in a real terminal (`script` gives it one), once the prompt is on screen. */
async function ctrlCAtPrompt(program: string[], home: string): Promise<Outcome> {
  const command = [...program, "keys", "set", "openai"].map((a) => `'${a}'`).join(" ");
  const proc = Bun.spawn(["script", "-qfec", command, "/dev/null"], { env: childEnv(home), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let screen = "";
  const decoder = new TextDecoder();
  const reader = proc.stdout.getReader();
  while (!screen.includes("openai API key:")) {
    const { done, value } = await reader.read();
    if (done) break;
    screen += decoder.decode(value);
  }
  proc.stdin.write("\x03");
  await proc.stdin.flush();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    screen += decoder.decode(value);
  }
  const code = await proc.exited;
  return { code, stdout: screen, stderr: screen };
}

/** The whole matrix as a describe block, for a program given as its argv prefix (source or compiled binary). */
export function cliNeverCrashes(label: string, program: string[]): void {
  describe(`the CLI never crashes (${label})`, () => {
    for (const condition of CONDITIONS) {
      test(`every command with ${condition.name}: one line, no stack`, async () => {
        const failures: string[] = [];
        let refused = 0;
        const runs = await Promise.all(COMMANDS.map(async (args) => ({ args, out: await runPlain(program, args, condition.home()) })));
        for (const { args, out } of runs) {
          const signs = crashSigns(out.stderr);
          if (signs.length) failures.push(`${args.join(" ")}: ${signs.join(", ")}\n${out.stderr}`);
          if (out.code !== 0) {
            refused++;
            // doctor's non-zero exit is its report (on stdout), not an error.
            const explained = /^error: /m.test(out.stderr) || (args[0] === "doctor" && /FAIL/.test(out.stdout));
            if (!explained) failures.push(`${args.join(" ")}: exit ${out.code} without an error line\n${out.stderr}`);
          }
        }
        expect(failures).toEqual([]);
        // Not vacuous: the broken file is read and refused by most commands (serve always).
        expect(refused).toBeGreaterThanOrEqual(COMMANDS.length / 2);
        expect(runs[0]!.out.code).not.toBe(0);
      });
    }

    test("output into a closed pipe ends quietly, exit 0", async () => {
      const home = await populatedHome(program);
      const printing = [
        ["keys", "list"],
        ["alias", "list"],
        ["tokens", "list"],
        ["route", "explain", "smart"],
        ["traces", "tail", "--no-follow"],
        ["--help"],
        ["keys", "set", "--help"],
      ];
      const runs = await Promise.all(printing.map(async (args) => ({ args, out: await runIntoClosedPipe(program, args, home) })));
      const failures = runs.filter(({ out }) => out.code !== 0 || crashSigns(out.stderr).length || out.stderr.trim());
      expect(failures.map(({ args, out }) => `${args.join(" ")}: exit ${out.code}\n${out.stderr}`)).toEqual([]);
    });

    test("Ctrl-C at the hidden key prompt cancels cleanly: exit 130, nothing written", async () => {
      const home = tempHome();
      const out = await ctrlCAtPrompt(program, home);
      expect(out.code).toBe(130);
      expect(out.stderr).toContain("cancelled");
      expect(crashSigns(out.stderr)).toEqual([]);
      expect(await Bun.file(`${home}/secrets.json`).exists()).toBe(false);
      expect(await Bun.file(`${home}/credentials.json`).exists()).toBe(false);
    });
  });
}
