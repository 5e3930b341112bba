// One very long stream: a relay that buffers (an accumulator keeping every delta, a growing
// string) shows up as RSS rising with the chunk count. Sampled every 50 ms while it runs.

import { join } from "node:path";
import { exchange } from "./client.ts";
import { startEngine } from "./engine.ts";
import type { Dialect } from "./options.ts";
import { rssKb, sampleWhile } from "./proc-stats.ts";
import { spawnServer, type Child } from "./spawn.ts";
import { dialectPath, JSON_CT, MODELS, openaiBody, OPENAI_HEADERS, scenario, type Expectation, type HttpRequest } from "./workload.ts";

export interface LongStreamResult {
  label: string;
  chunks: number;
  seconds: number;
  rssBeforeKb: number;
  rssMaxKb: number;
  rssAfterKb: number;
  error: string | null;
}

async function measureStream(label: string, child: Child, req: HttpRequest, exp: Expectation, chunks: number): Promise<LongStreamResult> {
  // One full stream first, so the baseline already includes warmed-up code, pools and buffers;
  // what the second one adds is what a stream's length costs.
  await exchange(req, exp, "stream", chunks, 300_000);
  const before = rssKb(child.pid);
  const sampler = sampleWhile(child.pid, 50);
  const t0 = performance.now();
  const r = await exchange(req, exp, "stream", chunks, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  const s = sampler.stop();
  return { label, chunks, seconds, rssBeforeKb: before, rssMaxKb: Math.max(before, s.maxRssKb), rssAfterKb: rssKb(child.pid), error: r.error };
}

export async function longStreams(upstream: string, chunks: number, core: number | null, dialects: Dialect[]): Promise<LongStreamResult[]> {
  const out: LongStreamResult[] = [];
  const proxy = await spawnServer({
    name: "bun proxy",
    cmd: [process.execPath, join(import.meta.dir, "bun-proxy.ts"), "--upstream", upstream],
    core,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  try {
    out.push(
      await measureStream(
        "(b) minimal Bun proxy",
        proxy,
        { url: `${proxy.url}${scenario(chunks)}${dialectPath("openai")}`, headers: OPENAI_HEADERS, body: openaiBody(MODELS.openai, "stream") },
        { shape: "openai", extras: false },
        chunks,
      ),
    );
  } finally {
    await proxy.stop();
  }
  for (const dialect of dialects) {
    const engine = await startEngine({ name: "opentracy (long stream)", upstream, chunks, core });
    try {
      out.push(
        await measureStream(
          `(c) opentracy, ${dialect} upstream`,
          engine,
          { url: `${engine.url}/v1/chat/completions`, headers: JSON_CT, body: openaiBody(`${dialect}/${MODELS[dialect]}`, "stream") },
          { shape: "openai", extras: true },
          chunks,
        ),
      );
    } finally {
      await engine.stop();
    }
  }
  return out;
}
