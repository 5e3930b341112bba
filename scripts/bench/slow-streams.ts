// Many concurrent slow streams (a chunk every 100 ms, like a model thinking aloud): the cost that
// matters here is memory and descriptors per open stream, and whether every stream gets its
// first byte promptly or waits in a queue somewhere inside the gateway.

import { join } from "node:path";
import { startEngine } from "./engine.ts";
import type { Options } from "./options.ts";
import { rssKb, sampleWhile } from "./proc-stats.ts";
import { pinned, spawnServer, type Child } from "./spawn.ts";
import { dialectPath, JSON_CT, MODELS, openaiBody, OPENAI_HEADERS, scenario, type Expectation, type HttpRequest } from "./workload.ts";

export interface SlowStreamsResult {
  label: string;
  streams: number;
  ok: number;
  failed: number;
  firstError: string | null;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  ttfbMaxMs: number;
  totalS: number;
  idleRssKb: number;
  maxRssKb: number;
  maxFds: number;
}

async function run(label: string, child: Child, req: HttpRequest, exp: Expectation, opts: Options, loadCore: number | null): Promise<SlowStreamsResult> {
  const idle = rssKb(child.pid);
  const sampler = sampleWhile(child.pid, 100);
  const spec = { n: opts.slowStreams, ...req, chunks: opts.slowChunks, exp, timeoutMs: 120_000 };
  const proc = Bun.spawn(pinned([process.execPath, join(import.meta.dir, "slow-client.ts"), JSON.stringify(spec)], loadCore), {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(opts.slowStreams + 64) },
    stdout: "pipe",
    stderr: "pipe",
  });
  const guard = setTimeout(() => proc.kill("SIGKILL"), 180_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(guard);
  const s = sampler.stop();
  let r: any;
  try {
    r = JSON.parse(out.trim().split("\n").at(-1)!);
  } catch {
    r = {
      ok: 0,
      failed: opts.slowStreams,
      firstError: `client gave no result: ${err.slice(0, 300)}`,
      ttfbP50Ms: NaN,
      ttfbP99Ms: NaN,
      ttfbMaxMs: NaN,
      totalS: NaN,
    };
  }
  return { label, streams: opts.slowStreams, ...r, idleRssKb: idle, maxRssKb: s.maxRssKb, maxFds: s.maxFds };
}

export async function slowStreams(opts: Options, upstream: string, cores: { sut: number | null; load: number | null }): Promise<SlowStreamsResult[]> {
  const out: SlowStreamsResult[] = [];
  const sc = scenario(opts.slowChunks, opts.slowDelayMs);
  const raised = { BUN_CONFIG_MAX_HTTP_REQUESTS: String(opts.slowStreams + 64) };
  const native = (url: string): HttpRequest => ({
    url: `${url}${sc}${dialectPath("openai")}`,
    headers: OPENAI_HEADERS,
    body: openaiBody(MODELS.openai, "stream"),
  });
  const plain: Expectation = { shape: "openai", extras: false };

  // The client and the mock alone: whatever first-byte delay shows here is the harness's own.
  const direct = await spawnServer({
    name: "direct mock",
    cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
    core: cores.sut,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  try {
    out.push(await run("(a) direct to mock", direct, native(direct.url), plain, opts, cores.load));
  } finally {
    await direct.stop();
  }
  // The proxy as shipped, and with Bun's outgoing-fetch cap raised: the difference is what the
  // cap (256 requests in flight per process by default) costs concurrent streams.
  for (const [label, env] of [
    ["(b) minimal Bun proxy", {}],
    ["(b) minimal Bun proxy, BUN_CONFIG_MAX_HTTP_REQUESTS raised", raised],
  ] as const) {
    const proxy = await spawnServer({
      name: "bun proxy",
      cmd: [process.execPath, join(import.meta.dir, "bun-proxy.ts"), "--upstream", upstream],
      env: { ...process.env, ...env },
      core: cores.sut,
      ready: /listening on (http:\/\/[^\s]+)/,
    });
    try {
      out.push(await run(label, proxy, native(proxy.url), plain, opts, cores.load));
    } finally {
      await proxy.stop();
    }
  }
  // opentracy raises the cap itself at start-up (src/cli/serve-runtime.ts): one run, as shipped.
  const engine = await startEngine({ name: "opentracy (slow streams)", upstream, chunks: opts.slowChunks, delayMs: opts.slowDelayMs, core: cores.sut });
  try {
    out.push(
      await run(
        "(c) opentracy",
        engine,
        { url: `${engine.url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`openai/${MODELS.openai}`, "stream") },
        { shape: "openai", extras: true },
        opts,
        cores.load,
      ),
    );
  } finally {
    await engine.stop();
  }
  return out;
}
