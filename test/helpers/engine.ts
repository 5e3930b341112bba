import type { Subprocess } from "bun";
import { BIN, childEnv, ROOT, tempHome } from "./cli.ts";

export interface RunningEngine {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The OpenAI client's baseURL: url + /v1 */
  baseURL: string;
  home: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the engine wrote to stderr so far. */
  stderr(): string;
  /** Resolves when a stderr line written after this call matches; rejects after `ms`. */
  waitForLog(pattern: RegExp, ms?: number): Promise<string>;
  /** SIGTERM and wait: the engine flushes its traces before it exits. */
  stop(): Promise<number>;
}

// A test that fails before its engine's stop() would otherwise leave that engine running after
// the test run; test/setup.ts kills what is left (bun test fires no process "exit" event).
const live = new Set<Subprocess>();
export function killLeftoverEngines(): void {
  for (const p of live) p.kill("SIGKILL");
}

/**
 * Starts `opentracy serve --port 0` as a real subprocess and waits for its "listening on" line,
 * which carries the port the OS chose: no fixed ports, no sleeps.
 */
export async function startEngine(
  opts: {
    home?: string;
    env?: Record<string, string | undefined>;
    args?: string[] /** the program, default bun + bin/opentracy.ts */;
    command?: string[];
  } = {},
): Promise<RunningEngine> {
  const home = opts.home ?? tempHome();
  const proc = Bun.spawn([...(opts.command ?? [process.execPath, BIN]), "serve", "--port", "0", ...(opts.args ?? [])], {
    cwd: ROOT,
    env: childEnv(home, opts.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  let err = "";
  const waiters = new Set<{ from: number; pattern: RegExp; resolve: (line: string) => void }>();
  const check = () => {
    for (const w of waiters) {
      const line = err
        .slice(w.from)
        .split("\n")
        .find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  };
  void (async () => {
    const dec = new TextDecoder();
    for await (const c of proc.stderr) {
      err += dec.decode(c);
      check();
    }
  })();
  const reader = proc.stdout.getReader();
  const dec = new TextDecoder();
  let out = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`engine exited before listening (code ${await proc.exited}):\n${out}\n${err}`);
    out += dec.decode(value);
    const m = /listening on (https?:\/\/[^\s]+)/.exec(out);
    if (m) {
      reader.releaseLock();
      const url = m[1];
      return {
        url,
        baseURL: `${url}/v1`,
        home,
        proc,
        stderr: () => err,
        waitForLog(pattern, ms = 5000) {
          return new Promise((resolve, reject) => {
            const w = { from: err.length, pattern, resolve };
            waiters.add(w);
            setTimeout(() => {
              if (waiters.delete(w)) reject(new Error(`engine never logged ${pattern} within ${ms} ms; stderr:\n${err}`));
            }, ms);
          });
        },
        async stop() {
          proc.kill("SIGTERM");
          return proc.exited;
        },
      };
    }
  }
}
