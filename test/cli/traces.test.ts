import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { segmentName } from "../../src/traces/local-files.ts";
import type { TraceRecord } from "../../src/traces/record.ts";
import { makeErrorTrace, makeTrace, toLines } from "../helpers/trace-factory.ts";

const ROOT = resolve(import.meta.dir, "../..");
const ENTRY = "bin/opentracy.ts";

let home: string;
let dir: string;
const history: TraceRecord[] = [
  makeTrace({ requested_model: "smart", alias: "smart", selected_model: "anthropic/claude-sonnet-4-6", provider: "anthropic" }),
  makeTrace(),
  makeErrorTrace({ requested_model: "gpt-4o", selected_model: "openai/gpt-4o" }),
  makeTrace({
    requested_model: "gpt-4o",
    selected_model: "openai/gpt-4o",
    cost_usd: null,
    user: "ada",
    session_id: "s-1",
    tags: { team: "search", env: "prod" },
  }),
];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ot-cli-traces-"));
  dir = join(home, "traces");
  mkdirSync(dir);
  writeFileSync(join(dir, segmentName("2025-03-01", 1)), toLines(history.slice(0, 2)));
  // The newest segment ends with a write in progress, which must not show up.
  writeFileSync(join(dir, segmentName("2025-03-01", 2)), `${toLines(history.slice(2))}{"id":"half-writ`);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function spawnTail(args: string[], env: Record<string, string> = {}) {
  return Bun.spawn([process.execPath, ENTRY, "traces", "tail", ...args], {
    cwd: ROOT,
    env: { ...process.env, OPENTRACY_HOME: home, ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
}

/** Runs to completion, failing instead of hanging if the command does not exit on its own. */
async function runTail(args: string[], ms = 15_000) {
  const proc = spawnTail(args);
  const timer = setTimeout(() => proc.kill(), ms);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code, killed: proc.signalCode !== null };
}

function jsonLines(stdout: string): TraceRecord[] {
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

/** Yields stdout line by line as the process prints it. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) !== -1) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
}

async function nextLine(it: AsyncIterator<string>, ms = 10_000): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no output line within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([it.next(), deadline]);
    if (r.done) throw new Error("output ended");
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

describe("opentracy traces tail", () => {
  test("--json -n 2 prints the last two records, oldest first, and exits", async () => {
    const { stdout, code } = await runTail(["--json", "-n", "2"]);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual(history.slice(2));
  });

  test("-n larger than the store prints every record across segments", async () => {
    const { stdout, code } = await runTail(["--json", "-n", "100"]);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((r) => r.id)).toEqual(history.map((r) => r.id));
  });

  test("--model and --status filter", async () => {
    const byAlias = await runTail(["--json", "--model", "smart"]);
    expect(jsonLines(byAlias.stdout).map((r) => r.id)).toEqual([history[0].id]);
    const byModel = await runTail(["--json", "--model", "gpt-4o"]);
    expect(jsonLines(byModel.stdout).map((r) => r.id)).toEqual([history[2].id, history[3].id]);
    const errors = await runTail(["--json", "--status", "error"]);
    expect(jsonLines(errors.stdout).map((r) => r.id)).toEqual([history[2].id]);
    const okGpt4o = await runTail(["--json", "--status", "ok", "--model", "gpt-4o"]);
    expect(jsonLines(okGpt4o.stdout).map((r) => r.id)).toEqual([history[3].id]);
  });

  test("--user, --session and --tag filter, alone and together", async () => {
    const ids = async (args: string[]) => jsonLines((await runTail(["--json", ...args])).stdout).map((r) => r.id);
    expect(await ids(["--user", "ada"])).toEqual([history[3].id]);
    expect(await ids(["--session", "s-1"])).toEqual([history[3].id]);
    expect(await ids(["--tag", "team=search"])).toEqual([history[3].id]);
    expect(await ids(["--tag", "team=ads"])).toEqual([]);
    expect(await ids(["--tag", "team=search", "--user", "bob"])).toEqual([]);
    const bad = await runTail(["--tag", "team"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe("error: invalid --tag 'team': use key=value");
  });

  test("--status with a bad value fails with one line and a non-zero exit", async () => {
    const { stdout, stderr, code } = await runTail(["--status", "bad"]);
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toContain("--status");
    expect(stderr).toContain("bad");
  });

  test("a bad -n fails with one line", async () => {
    const { stderr, code } = await runTail(["-n", "many"]);
    expect(code).not.toBe(0);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  test("piped without --follow prints a plain table and exits by itself", async () => {
    const { stdout, stderr, code, killed } = await runTail([]);
    expect(killed).toBe(false);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1 + history.length);
    expect(lines[0]).toMatch(/^time\s+model\s+provider\s+status\s+latency\s+tokens in\/out\s+cost$/);
    expect(lines[1]).toContain("anthropic/claude-sonnet-4-6 (smart)");
    expect(lines[3]).toContain("error 429");
    expect(lines[3]).toEndWith(history[2].error_message!);
    expect(lines[4]).toMatch(/—$/);
    // No colour or cursor control when the output is not a terminal.
    expect(stdout).not.toContain("\x1b");
  });

  test("--follow --json prints records appended after it started, across a new segment", async () => {
    const own = mkdtempSync(join(tmpdir(), "ot-cli-follow-"));
    const ownDir = join(own, "traces");
    mkdirSync(ownDir);
    const first = join(ownDir, segmentName("2025-03-01", 1));
    writeFileSync(first, toLines(history));
    const proc = spawnTail(["--follow", "--json", "-n", "1"], { OPENTRACY_HOME: own });
    try {
      const out = linesOf(proc.stdout)[Symbol.asyncIterator]();
      // The history line means the reader has fixed the end it follows from.
      expect(JSON.parse(await nextLine(out)).id).toBe(history[3].id);

      const appended = makeTrace({ id: "appended-after-start" });
      appendFileSync(first, toLines([appended]));
      expect(JSON.parse(await nextLine(out))).toEqual(appended);

      const rotated = makeErrorTrace({ id: "in-the-next-segment" });
      writeFileSync(join(ownDir, segmentName("2025-03-01", 2)), toLines([rotated]));
      expect(JSON.parse(await nextLine(out))).toEqual(rotated);
    } finally {
      proc.kill();
      await proc.exited;
      rmSync(own, { recursive: true, force: true });
    }
  });
});
