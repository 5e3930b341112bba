import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { startEngine } from "../helpers/engine.ts";

// What `opentracy serve` tells its terminal: where keys come from, one line per request, cooldowns.

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

const ask = { model: "openai/gpt-4o-mini", messages: [{ role: "user" as const, content: "hello" }] };

describe("serve's log", () => {
  test("start-up names the providers with keys and where each key comes from", async () => {
    const e = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      const line = e
        .stderr()
        .split("\n")
        .find((l) => l.includes("providers ready"));
      expect(line).toContain("providers ready: openai (OPENAI_API_KEY)");
      expect(e.stderr()).toContain(`base URLs: openai → ${fake.url} (OPENAI_BASE_URL)`);
      expect(e.stderr()).not.toContain(fake.apiKey);
    } finally {
      await e.stop();
    }
  });

  test("one line per request: model, status, tokens, cost, latency; --quiet turns it off", async () => {
    const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey };
    const e = await startEngine({ env });
    try {
      const line = e.waitForLog(/ openai\/gpt-4o-mini {2}200 {2}/);
      await new OpenAI({ baseURL: e.baseURL, apiKey: "x" }).chat.completions.create(ask);
      expect(await line).toMatch(/^\S+Z {2}openai\/gpt-4o-mini {2}200 {2}\d+\/\d+ tok {2}\$\d+\.\d+ {2}\d+ ms$/);
    } finally {
      await e.stop();
    }
    const quiet = await startEngine({ env, args: ["--quiet"] });
    try {
      await new OpenAI({ baseURL: quiet.baseURL, apiKey: "x" }).chat.completions.create(ask);
      // stop() flushes what the log held: a line would be there now.
      await quiet.stop();
      expect(quiet.stderr()).not.toMatch(/ 200 {2}/);
    } finally {
      await quiet.stop();
    }
  });

  test("--log-format json: one object per line, requests included", async () => {
    const e = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey }, args: ["--log-format", "json"] });
    try {
      const line = e.waitForLog(/"requested_model":"openai\/gpt-4o-mini"/);
      const res = await new OpenAI({ baseURL: e.baseURL, apiKey: "x" }).chat.completions.create(ask).withResponse();
      const entry = JSON.parse(await line);
      expect(entry).toMatchObject({ trace_id: res.response.headers.get("x-opentracy-trace-id"), selected_model: "openai/gpt-4o-mini", status: 200 });
      expect(entry.cost_usd).toBeGreaterThan(0);
      for (const l of e.stderr().trim().split("\n")) expect(() => JSON.parse(l)).not.toThrow();
    } finally {
      await e.stop();
    }
  });

  test("a target that starts cooling down is logged in plain words", async () => {
    // Nothing listens on port 9: every attempt is refused, so one request trips a cooldown of 1 failure.
    const e = await startEngine({ env: { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "k" } });
    try {
      const cooling = e.waitForLog(/is cooling down/);
      await Bun.write(`${e.home}/config.json`, JSON.stringify({ routing: { cooldown: { failures: 1, period_ms: 60_000 }, retry: { max_attempts: 1 } } }));
      await e.waitForLog(/settings reloaded: routing changed/);
      await new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 }).chat.completions.create(ask).catch(() => {});
      expect(await cooling).toMatch(/openai\/gpt-4o-mini is cooling down \(until \d\d:\d\d:\d\d, after 1 failure\): Could not reach openai/);
    } finally {
      await e.stop();
    }
  });
});
