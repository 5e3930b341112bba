import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

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

const traceOf = async (id: string | null | undefined) => {
  await fetch(`${engine.url}/api/traces/flush`, { method: "POST", headers: { "x-opentracy-csrf": "1" } });
  return (await (await fetch(`${engine.url}/api/traces/${id}`)).json()) as any;
};

describe("/run/<id>/ before an API path", () => {
  test("the OpenAI SDK with only a base URL tags its calls with the run; the URL's run wins over a header's", async () => {
    const client = new OpenAI({ baseURL: `${engine.url}/run/exec-0a1b2c3d/v1`, apiKey: "anything", maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }] }, { headers: { "X-OpenTracy-Tags": "env=dev,run=spoofed" } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("hi");
    const trace = await traceOf(response.headers.get("x-opentracy-trace-id"));
    expect(trace.tags).toEqual({ env: "dev", run: "exec-0a1b2c3d" });
    expect(trace.api).toBe("chat");
    // The prefix is the engine's own: the upstream saw the plain path.
    expect(fake.requests.at(-1)?.path).toBe("/v1/chat/completions");
  });

  test("the Anthropic SDK appends /v1/messages to a base URL ending in the run", async () => {
    const client = new Anthropic({ baseURL: `${engine.url}/run/replay-00ff00ff`, apiKey: "anything", maxRetries: 0 });
    const { response } = await client.messages
      .create({ model: "openai/gpt-4o", max_tokens: 16, messages: [{ role: "user", content: "hello" }] })
      .withResponse();
    const trace = await traceOf(response.headers.get("x-opentracy-trace-id"));
    expect(trace.tags).toEqual({ run: "replay-00ff00ff" });
    expect(trace.api).toBe("messages");
  });

  test("models, and a model id with a slash, under the prefix", async () => {
    const res = await fetch(`${engine.url}/run/r1/v1/models/openai%2Fgpt-4o`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).id).toBe("openai/gpt-4o");
    expect((await fetch(`${engine.url}/run/r1/models`)).status).toBe(200);
  });

  test("a bad run id is a 400 in the shape of the API called", async () => {
    const openai = await fetch(`${engine.url}/run/-x%20y/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(openai.status).toBe(400);
    expect(((await openai.json()) as any).error).toMatchObject({ code: "invalid_value", type: "invalid_request_error" });
    expect((await fetch(`${engine.url}/run//v1/models`)).status).toBe(400);
    const long = await fetch(`${engine.url}/run/${"a".repeat(65)}/v1/messages`, { method: "POST", body: "{}" });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  test("only the APIs are under the prefix: the UI's API, no API path or an unknown one is the engine's 404", async () => {
    for (const path of ["/run/r1/api/traces", "/run/r1", "/run/r1/v2/chat"]) {
      const res = await fetch(`${engine.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.code).toBe("unknown_url");
    }
    // A method the API path does not serve.
    expect((await fetch(`${engine.url}/run/r1/v1/chat/completions`)).status).toBe(404);
  });
});
