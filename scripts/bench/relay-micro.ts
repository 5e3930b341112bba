// The stream relay alone, in process: the mock's SSE bytes through the adapter (OpenAI or Anthropic dialect) and
// the relay to a fully read client stream, timed per stream. No network, so the figure is our own JS work.
//   bun scripts/bench/relay-micro.ts [--dialect openai|anthropic] [--chunks 20] [--seconds 3]
import { parseArgs } from "node:util";
import { anthropicStreamEvents, openaiStreamEvents } from "./mock-bodies.ts";
import { MODELS } from "./workload.ts";
import { anthropicAdapter } from "../../src/providers/anthropic/index.ts";
import { openaiCompatible } from "../../src/providers/openai-compatible.ts";
import { UpstreamBody } from "../../src/providers/upstream-body.ts";
import { PROVIDERS } from "../../src/providers/registry.ts";
import { Call } from "../../src/server/call.ts";
import { finishOnce } from "../../src/server/pipeline/finish.ts";
import { relayStream } from "../../src/server/pipeline/stream-relay.ts";
import { Config } from "../../src/config/schema.ts";
import { applyPolicy } from "../../src/traces/writer.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { dialect: { type: "string", default: "openai" }, chunks: { type: "string", default: "20" }, seconds: { type: "string", default: "3" } },
});
const anthropic = values.dialect === "anthropic";
const chunks = Number(values.chunks);
const bytes = new TextEncoder().encode([...(anthropic ? anthropicStreamEvents(chunks) : openaiStreamEvents(chunks, true))].join(""));
const adapter = anthropic ? anthropicAdapter : openaiCompatible;
const config = Config.parse({});
const target = {
  provider: PROVIDERS.get(anthropic ? "anthropic" : "openai")!,
  model: anthropic ? MODELS.anthropic : MODELS.openai,
  baseUrl: "http://x",
  key: "k",
  headers: {},
};
const records: any[] = [];
const writer = { enqueue: (r: any) => records.push(r), discards: false };

async function once(): Promise<void> {
  const src = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  const body = new UpstreamBody(src, { ms: 30_000, provider: target.provider.name });
  const call = new Call();
  call.provider = target.provider.name;
  call.model = target.model;
  const rest = adapter.streamChunks(body, target)[Symbol.asyncIterator]();
  const first = await rest.next();
  const out = relayStream(
    { first: first.done ? null : first.value, rest, body },
    { call, config, finish: finishOnce(call, writer, () => {}), clientWantsUsage: false, keepText: true, abort: new AbortController() },
  );
  const reader = out.getReader();
  for (;;) if ((await reader.read()).done) break;
  // What the writer does later, counted here too: it runs on the same core.
  for (const r of records) JSON.stringify(applyPolicy(r, { content: true, redact: false }));
  records.length = 0;
}

for (let i = 0; i < 2000; i++) await once();
const until = performance.now() + Number(values.seconds) * 1000;
let n = 0;
const t0 = performance.now();
while (performance.now() < until) {
  await once();
  n++;
}
console.log(`${values.dialect}: ${(((performance.now() - t0) * 1000) / n).toFixed(1)} µs per stream of ${values.chunks} chunks (${n} streams)`);
