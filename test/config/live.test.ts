import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// The engine re-reads secrets.json and config.json when they change, and keeps the last good
// settings when a change is invalid.
let fake: FakeOpenAI;
let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "gsk_live_reload_1234" });
  // groq speaks OpenAI's dialect, so the OpenAI fake stands in for it; no key at start.
  engine = await startEngine({ env: { GROQ_BASE_URL: fake.url } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

describe("live settings", () => {
  test("a key stored with the CLI is used by the running engine without restart", async () => {
    const req = { model: "groq/gpt-4o", messages: [{ role: "user" as const, content: "hi" }] };
    const before = await client.chat.completions.create(req).catch((e) => e);
    expect(before).toBeInstanceOf(OpenAI.AuthenticationError);

    const reloaded = engine.waitForLog(/settings reloaded/);
    const set = await runCli(["keys", "set", "groq"], { home: engine.home, stdin: fake.apiKey });
    expect(set.code).toBe(0);
    // The log says what changed, by name only.
    const line = await reloaded;
    expect(line).toContain("settings reloaded: key groq_api_key added");
    expect(line).not.toContain(fake.apiKey);
    const after = await client.chat.completions.create(req);
    expect(after.choices[0].message.content).toContain("hi");
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  test("a config.json broken while serving is reported and the last good settings stay", async () => {
    const added = engine.waitForLog(/settings reloaded/);
    expect((await runCli(["alias", "add", "fast", "groq/gpt-4o-mini"], { home: engine.home })).code).toBe(0);
    expect(await added).toContain("settings reloaded: alias fast added");
    const refused = engine.waitForLog(/config\.json: field aliases\.fast\.targets/);
    writeFileSync(join(engine.home, "config.json"), JSON.stringify({ aliases: { fast: { targets: "groq/gpt-4o" } } }));
    const line = await refused;
    expect(line).toContain("keeping the last good settings");
    const res = (await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "still there" }] })) as any;
    expect(res._routing.selected_model).toBe("groq/gpt-4o-mini");
  });
});
