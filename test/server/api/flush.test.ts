import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { tempHome } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

let fake: FakeOpenAI;
let engine: RunningEngine;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // The writer would wait ten minutes on its own: only the flush can write the trace in time.
  writeFileSync(join(home, "config.json"), JSON.stringify({ traces: { flush_ms: 600_000 } }));
  engine = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

/** One chat completion through the engine at `url`, answered and read to the end. */
async function chat(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
}

const listed = async () => ((await (await fetch(`${engine.url}/api/traces`)).json()) as any).data.length;

test("POST /api/traces/flush answers once the queued traces are written", async () => {
  await chat(engine.url);
  expect(await listed()).toBe(0);
  const flushed = await fetch(`${engine.url}/api/traces/flush`, { method: "POST", headers: { "x-opentracy-csrf": "1" } });
  expect(await flushed.json()).toEqual({ queued: 0, failing: false });
  expect(await listed()).toBe(1);
});

test("without a bearer token it must carry the CSRF header, like every state-changing /api/ call", async () => {
  const res = await fetch(`${engine.url}/api/traces/flush`, { method: "POST" });
  expect(res.status).toBe(403);
});

test("while the store's writes fail, the flush answers failing: true", async () => {
  const home = tempHome();
  // Today's segment is a folder: the local store cannot append to it, so every write fails (and is retried).
  mkdirSync(join(home, "traces", `traces-${new Date().toISOString().slice(0, 10)}-000.jsonl`), { recursive: true, mode: 0o700 });
  const broken = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
  try {
    await chat(broken.url);
    const flushed = await fetch(`${broken.url}/api/traces/flush`, { method: "POST", headers: { "x-opentracy-csrf": "1" } });
    expect(await flushed.json()).toMatchObject({ failing: true });
  } finally {
    await broken.stop();
  }
});
