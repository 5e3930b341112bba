import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { segmentName } from "../../../src/traces/local-files.ts";
import { BIN, childEnv, ROOT } from "../../helpers/cli.ts";
import { makeErrorTrace, makeTrace, toLines } from "../../helpers/trace-factory.ts";

// The live view on a real pseudo-terminal (`script`), as a person sees it: ink measures the
// terminal itself here, so this checks the width it reads, not one a test passed in.
let home: string;
const message = "Incorrect API key provided: sk-…abcd. You can find your API key at https://platform.openai.com/account/api-keys.";

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ot-tail-pty-"));
  mkdirSync(join(home, "traces"));
  const rows = [
    makeTrace({ alias: "smart", requested_model: "smart", selected_model: "anthropic/claude-sonnet-4-5-20250929", provider: "anthropic", cost_usd: 0.0472 }),
    makeErrorTrace({ selected_model: "openai/gpt-4o", requested_model: "openai/gpt-4o", http_status: 401, error_message: message }),
  ];
  writeFileSync(join(home, "traces", segmentName("2025-03-01", 1)), toLines(rows));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** What the terminal shows, line by line: escape sequences removed, carriage returns dropped. */
const screenLines = (bytes: string) =>
  bytes
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
    .replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "")
    .split(/\r?\n/)
    .map((l) => l.replace(/\r/g, ""))
    .filter((l) => l.trim() !== "");

async function tailOnTerminal(columns: number): Promise<string[]> {
  const cmd = `stty cols ${columns} rows 20; ${process.execPath} ${BIN} traces tail --no-follow -n 10`;
  const proc = Bun.spawn(["script", "-qfec", cmd, "/dev/null"], { cwd: ROOT, env: childEnv(home), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  return screenLines(out);
}

describe("traces tail on a real terminal", () => {
  for (const columns of [80, 200]) {
    test(`${columns} columns: every line fits, the model is whole, the error message shows`, async () => {
      const lines = await tailOnTerminal(columns);
      for (const l of lines) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(columns);
      expect(lines.some((l) => l.includes("anthropic/claude-sonnet-4-5-20250929 (smart)"))).toBe(true);
      const error = lines.find((l) => l.includes("error 401"));
      expect(error).toContain("Incorrect API key");
      if (columns === 200) expect(error).toContain(message);
      expect(lines[0]).toContain("2 requests · 1 error");
    });
  }
});
