import { describe, expect, test } from "bun:test";
import { BIN, runCli, tempHome } from "../helpers/cli.ts";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cliNeverCrashes } from "../helpers/cli-matrix.ts";

// Every command and subcommand, from source, against broken homes, a closed pipe, Ctrl-C at a
// prompt and no terminal. The same matrix runs against the compiled binary in test/e2e.
cliNeverCrashes("from source", [process.execPath, BIN]);

describe("--verbose and OPENTRACY_DEBUG", () => {
  test("an unexpected error is one line; with OPENTRACY_DEBUG=1 its stack follows", async () => {
    // master.key is a folder: reading it fails with a system error (EISDIR), not one the CLI expects.
    const home = tempHome();
    mkdirSync(join(home, "master.key"), { recursive: true, mode: 0o700 });
    const plain = await runCli(["keys", "set", "openai"], { home, stdin: "sk-test-1234" });
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split("\n")).toHaveLength(1);
    expect(plain.stderr).toContain("OPENTRACY_DEBUG=1 shows the stack");
    const debug = await runCli(["keys", "set", "openai", "--verbose"], { home, stdin: "sk-test-1234" });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  test("--verbose is accepted anywhere and changes nothing for a command that works", async () => {
    const r = await runCli(["--verbose", "alias", "list"], { home: tempHome() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });
});
