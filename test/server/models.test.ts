import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ aliases: { smart: { targets: ["openai/gpt-4o"] } } }));
  engine = await startEngine({
    home,
    env: { OPENAI_API_KEY: "sk-models-test-0000", AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "x", AWS_REGION: "us-east-1" },
  });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
});

describe("GET /v1/models", () => {
  test("lists the aliases as opentracy's and only chat models of providers with a key", async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    const ids = models.map((m) => m.id);
    expect(models.find((m) => m.id === "smart")).toMatchObject({ object: "model", owned_by: "opentracy" });
    for (const id of ["openai/gpt-4o", "openai/gpt-4.1-mini", "openai/o3", "bedrock/amazon.nova-pro-v1:0"]) expect(ids).toContain(id);
    // embeddings, speech, images, moderation, realtime, legacy completions, fine-tune patterns
    for (const id of [
      "openai/text-embedding-3-small",
      "openai/whisper-1",
      "openai/gpt-4o-mini-tts",
      "openai/gpt-4o-transcribe",
      "openai/gpt-image-1",
      "openai/moderation",
      "openai/gpt-realtime",
      "openai/davinci",
      "openai/ft:gpt-3.5-turbo-",
      "openai/gpt-4o-mini-2024-07-18.ft-",
      "bedrock/amazon.titan-embed-text-v1",
    ]) {
      expect(ids).not.toContain(id);
    }
    expect(ids.filter((id) => /embed|whisper|tts|transcribe|moderation|realtime|image|^openai\/ft:|[-.]$|\/regional\./.test(id))).toEqual([]);
    expect(ids.some((id) => id.startsWith("groq/"))).toBe(false);
    expect(ids.filter((id) => id.startsWith("openai/")).length).toBeGreaterThan(30);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("created is the release date a dated id carries, 0 where the catalogue knows none", async () => {
    const page = await client.models.list();
    const byId = new Map(page.data.map((m) => [m.id, m]));
    expect(byId.get("openai/gpt-4.1")!.created).toBe(Date.UTC(2025, 3, 14) / 1000);
    expect(byId.get("openai/gpt-4o-2024-05-13")!.created).toBe(Date.UTC(2024, 4, 13) / 1000);
    expect(byId.get("smart")!.created).toBe(0);
  });
});

describe("GET /v1/models/{id}", () => {
  test("the SDK's retrieve finds a provider/model id, slashes and colons included", async () => {
    expect(await client.models.retrieve("openai/gpt-4.1")).toMatchObject({
      id: "openai/gpt-4.1",
      object: "model",
      owned_by: "openai",
      created: Date.UTC(2025, 3, 14) / 1000,
    });
    expect(await client.models.retrieve("bedrock/amazon.nova-pro-v1:0")).toMatchObject({ id: "bedrock/amazon.nova-pro-v1:0", owned_by: "bedrock" });
    expect(await client.models.retrieve("smart")).toMatchObject({ id: "smart", owned_by: "opentracy" });
  });

  test("an unencoded slash (curl) and a bare well-known name answer too", async () => {
    const res = await fetch(`${engine.url}/v1/models/openai/gpt-4o`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: "openai/gpt-4o", object: "model", owned_by: "openai" });
    expect(await client.models.retrieve("gpt-4o")).toMatchObject({ id: "gpt-4o", owned_by: "openai" });
    const unversioned = await fetch(`${engine.url}/models/openai%2Fgpt-4o`);
    expect(((await unversioned.json()) as any).id).toBe("openai/gpt-4o");
  });

  test("an unknown, unlisted or non-chat id is a 404 in OpenAI's shape, raised by the SDK as NotFoundError", async () => {
    for (const id of ["openai/no-such-model", "groq/llama-3.3-70b-versatile", "openai/text-embedding-3-small", "nope"]) {
      const e = await client.models.retrieve(id).catch((x) => x);
      expect(e).toBeInstanceOf(OpenAI.NotFoundError);
      expect(e.error).toMatchObject({ type: "invalid_request_error", param: "model", code: "model_not_found" });
      expect(e.error.message).toContain(id);
    }
    const res = await fetch(`${engine.url}/v1/models/%E0%A4%A`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("model_not_found");
  });
});
