// Starting and stopping the bench's own child processes. Each is pinned with taskset (which execs
// the program, so the pid we hold is the server's own) and stopped by that pid only.

import type { Subprocess } from "bun";

export interface Child {
  name: string;
  pid: number;
  /** the URL the child said it listens on, or the one we gave it */
  url: string;
  /** everything it printed so far (for error messages) */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  cmd: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** CPU core to pin to, or null for no pinning */
  core: number | null;
  /** a line matching this carries the URL in its first group */
  ready: RegExp;
  /** when the program cannot say its own port (Portkey), turn the matched text into the URL */
  mapUrl?: (matched: string) => string;
  timeoutMs?: number;
}

const live = new Set<Child>();

export function pinned(cmd: string[], core: number | null): string[] {
  return core === null ? cmd : ["taskset", "-c", String(core), ...cmd];
}

export async function spawnServer(opts: SpawnOptions): Promise<Child> {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(pinned(opts.cmd, opts.core), {
    cwd: opts.cwd,
    env: opts.env as Record<string, string>,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let resolveReady: (url: string) => void = () => {};
  const ready = new Promise<string>((r) => (resolveReady = r));
  // Keep draining both pipes for the child's whole life: a full pipe would stall a chatty server
  // mid-benchmark (Portkey logs every request) and show up as latency.
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of stream) {
      if (out.length < 200_000) out += dec.decode(c);
      const m = opts.ready.exec(out);
      if (m) resolveReady(m[1]);
    }
  };
  void drain(proc.stdout);
  void drain(proc.stderr);

  const timeoutMs = opts.timeoutMs ?? 30_000;
  const url = await Promise.race([
    ready,
    proc.exited.then((code) => Promise.reject(new Error(`${opts.name} exited (code ${code}) before listening:\n${out.slice(-2000)}`))),
    Bun.sleep(timeoutMs).then(() => Promise.reject(new Error(`${opts.name} did not say it was listening within ${timeoutMs} ms:\n${out.slice(-2000)}`))),
  ]).catch(async (e) => {
    proc.kill("SIGKILL");
    await proc.exited;
    throw e;
  });

  const child: Child = {
    name: opts.name,
    pid: proc.pid,
    url: opts.mapUrl ? opts.mapUrl(url) : url,
    output: () => out,
    async stop() {
      live.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!done) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    },
  };
  live.add(child);
  return child;
}

/** Stops every child still running; called on exit and on Ctrl-C so nothing outlives the bench. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

/** A port nobody is using right now, for programs that cannot pick their own (Portkey). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Waits until GET url answers at all (any status). */
export async function waitHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > end) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await Bun.sleep(100);
    }
  }
}
