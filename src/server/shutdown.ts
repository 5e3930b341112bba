import type { Server } from "bun";
import type { Engine } from "./engine.ts";

/**
 * Stops an engine the way a SIGTERM should: `stopServing` ends what it serves (drainHttp for a
 * listening engine; a `--workers` primary stops its workers, which drain themselves), then every
 * trace is flushed and spans exported (at most 5 s more). `serve` and `exec` (for the engine it
 * starts) both end this way.
 */
export async function drainEngine(engine: Engine, stopServing: () => Promise<void>): Promise<void> {
  engine.settings.close();
  engine.sharedFeed?.stop();
  engine.stopSpendRefresh();
  await stopServing();
  engine.requestLog?.close();
  await engine.writer.close();
  // `serve --record`: the answers of the last calls are still being written to the cassette.
  await engine.cassette?.settled();
  // A collector that does not answer must not hold the exit.
  if (engine.otlp) await Promise.race([engine.otlp.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
}

/** No new connections; in-flight requests and streams may finish until `graceMs`, then they are closed. */
export async function drainHttp(engine: Engine, http: Server<undefined>, graceMs: number, log: (line: string) => void): Promise<void> {
  const drained = http.stop(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
  if ((await Promise.race([drained, late])) === "late") {
    log(`shutdown deadline passed: closing ${engine.admission.inflight} request(s)`);
    await http.stop(true);
  }
  clearTimeout(timer);
  // Traces of requests cut at the deadline are recorded by their handlers; give them a turn.
  await new Promise((r) => setImmediate(r));
}
