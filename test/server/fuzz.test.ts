import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// Arbitrary input at the front door: the engine answers every request in OpenAI's error shape
// (or with a completion), never 500, never crashes, and does not grow across 10,000 of them.
let fake: FakeOpenAI;
let engine: RunningEngine;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

// Bodies near the real shape reach deeper code than uniformly random JSON.
const message = fc.record(
  {
    role: fc.oneof(fc.constantFrom("user", "system", "assistant", "tool", "developer"), fc.string()),
    content: fc.oneof(fc.string(), fc.json(), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.json().map((j) => j),
  fc
    .record(
      {
        model: fc.oneof(fc.constantFrom("openai/gpt-4o", "nope", "gpt-4o", "openai/", "/x"), fc.string()),
        messages: fc.oneof(fc.array(message, { maxLength: 4 }), fc.jsonValue()),
        stream: fc.oneof(fc.boolean(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString("latin1")),
);

async function send(text: string) {
  const res = await fetch(`${engine.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: text });
  const out = await res.text();
  // A 500 must say what caused it: the body, the answer and the engine's last log lines.
  if (res.status === 500) throw new Error(`500 for ${JSON.stringify(text)}: ${out}\nengine log:\n${engine.stderr().slice(-3000)}`);
  if (res.status >= 400) {
    const err = JSON.parse(out).error;
    expect(typeof err.message).toBe("string");
    expect(typeof err.type).toBe("string");
    expect("param" in err && "code" in err).toBe(true);
  }
}

test("10,000 arbitrary bodies: no 500, always OpenAI's error shape, no memory growth", async () => {
  const runs = (n: number) => fc.assert(fc.asyncProperty(body, send), { numRuns: n });
  await runs(1000); // warm-up: JIT, pools, caches
  const before = rssKb(engine.proc.pid);
  await runs(10_000);
  const after = rssKb(engine.proc.pid);
  expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  // A leak of even 3 KB per request would show as 30 MB here.
  expect(after - before).toBeLessThan(30 * 1024);
}, 180_000);
