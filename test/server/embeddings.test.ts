import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { calcPrice } from "@pydantic/genai-prices";
import { fakeEmbedding, fakeTokenCount } from "../fakes/embedding-vectors.ts";
import { startFakeAzure, type FakeAzure } from "../fakes/azure-upstream.ts";
import { startFakeBedrock, type FakeBedrock } from "../fakes/bedrock-upstream.ts";
import { startFakeCohere, type FakeCohere } from "../fakes/cohere-upstream.ts";
import { startFakeGemini, type FakeGemini } from "../fakes/gemini-upstream.ts";
import { serverError, startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

// The official SDK's client.embeddings.create against a real engine, routed to the fakes.

let openai: FakeOpenAI;
let gemini: FakeGemini;
let cohere: FakeCohere;
let azure: FakeAzure;
let bedrock: FakeBedrock;

beforeAll(async () => {
  [openai, gemini, cohere, azure, bedrock] = await Promise.all([startFakeOpenAI(), startFakeGemini(), startFakeCohere(), startFakeAzure(), startFakeBedrock()]);
});
afterAll(async () => {
  await Promise.all([openai?.close(), gemini?.close(), cohere?.close(), azure?.close(), bedrock?.close()]);
});

async function engineWith(config: unknown, env: Record<string, string> = {}): Promise<{ engine: RunningEngine; client: OpenAI }> {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  const engine = await startEngine({
    home,
    env: {
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: openai.apiKey,
      GEMINI_BASE_URL: gemini.url,
      GEMINI_API_KEY: gemini.apiKey,
      COHERE_BASE_URL: cohere.url,
      COHERE_API_KEY: cohere.apiKey,
      AZURE_OPENAI_ENDPOINT: azure.endpoint,
      AZURE_OPENAI_API_KEY: azure.apiKey,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      AWS_ACCESS_KEY_ID: bedrock.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: bedrock.credentials.secretAccessKey,
      AWS_REGION: bedrock.region,
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/opentracy-test/credentials",
      AWS_CONFIG_FILE: "/nonexistent/opentracy-test/config",
      ANTHROPIC_API_KEY: "sk-ant-unused",
      ...env,
    },
  });
  return { engine, client: new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 }) };
}

const texts = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} text number ${i}`);
const catalogue = (provider: string, model: string, tokens: number) =>
  calcPrice({ input_tokens: tokens, output_tokens: 0 }, model, { providerId: provider })!.total_price;

describe("POST /v1/embeddings", () => {
  let engine: RunningEngine;
  let client: OpenAI;
  beforeAll(async () => {
    ({ engine, client } = await engineWith({
      aliases: { vectors: { targets: ["openai/text-embedding-3-small", "gemini/gemini-embedding-001"] } },
      routing: { retry: { backoff_base_ms: 1, backoff_max_ms: 5 }, cooldown: { failures: 100 } },
    }));
  });
  afterAll(() => engine?.stop());

  test("floats: OpenAI's answer with the upstream's model, usage, the catalogue's price and the extras", async () => {
    const input = ["the first text", "a second, longer text"];
    const res = await client.embeddings.create({ model: "openai/text-embedding-3-small", input, encoding_format: "float" });
    expect(res.object).toBe("list");
    expect(res.model).toBe("text-embedding-3-small");
    expect(res.data.map((d) => [d.object, d.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
    ]);
    expect(res.data[0].embedding).toEqual(fakeEmbedding(input[0], 1536));
    expect(res.data[1].embedding).toEqual(fakeEmbedding(input[1], 1536));
    const tokens = fakeTokenCount(input[0]) + fakeTokenCount(input[1]);
    expect(res.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    const x = res as any;
    expect(x._cost).toBeGreaterThan(0);
    expect(x._cost).toBeCloseTo(catalogue("openai", "text-embedding-3-small", tokens), 12);
    expect(x._latency_ms).toBeGreaterThan(0);
    expect(x._routing).toMatchObject({ alias: null, selected_model: "openai/text-embedding-3-small", provider: "openai" });
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe("/v1/embeddings");
    expect(sent.body).toEqual({ model: "text-embedding-3-small", input, encoding_format: "float" });
  });

  test("base64: the SDK's default asks for base64 and decodes it to the same floats", async () => {
    const res = await client.embeddings.create({ model: "openai/text-embedding-3-small", input: "one string" });
    expect((openai.requests.at(-1)!.body as any).encoding_format).toBe("base64");
    expect(res.data[0].embedding).toEqual(fakeEmbedding("one string", 1536));
    // On the wire it is a base64 string, as OpenAI sends it.
    const raw = await fetch(`${engine.baseURL}/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify({ model: "openai/text-embedding-3-small", input: "one string", encoding_format: "base64" }),
    });
    const body = (await raw.json()) as any;
    expect(typeof body.data[0].embedding).toBe("string");
    expect(Array.from(new Float32Array(new Uint8Array(Buffer.from(body.data[0].embedding, "base64")).buffer))).toEqual(fakeEmbedding("one string", 1536));
  });

  test("dimensions reaches the upstream; the model the upstream reports is the answer's", async () => {
    const res = await client.embeddings.create({ model: "openai/text-embedding-3-large", input: ["short"], dimensions: 256 });
    expect((openai.requests.at(-1)!.body as any).dimensions).toBe(256);
    expect(res.data[0].embedding).toHaveLength(256);
    expect(res.data[0].embedding).toEqual(fakeEmbedding("short", 256));
    const ada = await client.embeddings.create({ model: "openai/text-embedding-ada-002", input: "x" });
    expect(ada.model).toBe("text-embedding-ada-002-v2");
  });

  test("token arrays go to an OpenAI-dialect upstream as sent", async () => {
    const res = await client.embeddings.create({
      model: "openai/text-embedding-3-small",
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: "float",
    });
    expect((openai.requests.at(-1)!.body as any).input).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(res.data[1].embedding).toEqual(fakeEmbedding([4, 5], 1536));
    expect(res.usage.prompt_tokens).toBe(5);
  });

  test("Gemini: 250 texts go up in batches of 100, 100 and 50 and come back in order; no token count, no made-up cost", async () => {
    const before = gemini.requests.length;
    const input = texts(250, "gemini");
    const res = await client.embeddings.create({ model: "gemini/gemini-embedding-001", input, dimensions: 128 });
    const calls = gemini.requests.slice(before);
    expect(calls.map((r) => r.body.requests.length)).toEqual([100, 100, 50]);
    expect(calls[0].path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(calls[0].body.requests[0]).toEqual({ model: "models/gemini-embedding-001", content: { parts: [{ text: input[0] }] }, outputDimensionality: 128 });
    expect(res.data).toHaveLength(250);
    for (const [i, d] of res.data.entries()) {
      expect(d.index).toBe(i);
      expect(d.embedding).toEqual(fakeEmbedding(input[i], 128));
    }
    expect(res.model).toBe("gemini-embedding-001");
    expect(res.usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
    expect((res as any)._cost).toBeNull();
  });

  test("Cohere: 200 texts in batches of 96, input_type and float embeddings asked for, billed tokens summed and priced", async () => {
    const before = cohere.requests.length;
    const input = texts(200, "cohere");
    const res = await client.embeddings.create({ model: "cohere/embed-v4.0", input, dimensions: 256, encoding_format: "float" });
    const calls = cohere.requests.slice(before);
    expect(calls.map((r) => (r.body as any).texts.length)).toEqual([96, 96, 8]);
    expect(calls[0].body).toMatchObject({ model: "embed-v4.0", input_type: "search_document", embedding_types: ["float"], output_dimension: 256 });
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => fakeEmbedding(t, 256)));
    const tokens = input.reduce((n, t) => n + fakeTokenCount(t), 0);
    expect(res.usage.prompt_tokens).toBe(tokens);
    expect((res as any)._cost).toBeCloseTo(catalogue("cohere", "embed-v4.0", tokens), 12);
  });

  test("Cohere: an input_type beside OpenAI's fields goes up as Cohere's", async () => {
    await client.embeddings.create({ model: "cohere/embed-english-v3.0", input: "query", input_type: "search_query" } as any);
    expect((cohere.requests.at(-1)!.body as any).input_type).toBe("search_query");
  });

  test("Azure: the deployment's embeddings, priced as the model it serves", async () => {
    const res = await client.embeddings.create({ model: "azure/embed-small", input: ["azure text"], dimensions: 64 });
    const sent = azure.requests.at(-1)!;
    expect(sent.path).toBe("/openai/deployments/embed-small/embeddings?api-version=2024-10-21");
    expect(sent.headers["api-key"]).toBe(azure.apiKey);
    expect(res.model).toBe("text-embedding-3-small");
    expect(res.data[0].embedding).toEqual(fakeEmbedding("azure text", 64));
    expect((res as any)._cost).toBeCloseTo(catalogue("openai", "text-embedding-3-small", res.usage.prompt_tokens), 12);
  });

  test("Bedrock Titan v2: InvokeModel one text per call, signed, dimensions, its token count priced", async () => {
    const before = bedrock.requests.length;
    const input = ["titan one", "titan two", "titan three"];
    const res = await client.embeddings.create({ model: "bedrock/amazon.titan-embed-text-v2:0", input, dimensions: 256, encoding_format: "float" });
    const calls = bedrock.requests.slice(before);
    expect(calls.map((c) => [c.operation, c.modelId, c.signedBy, (c.body as any).inputText])).toEqual(
      input.map((t) => ["invoke", "amazon.titan-embed-text-v2:0", bedrock.credentials.accessKeyId, t]),
    );
    expect((calls[0].body as any).dimensions).toBe(256);
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => fakeEmbedding(t, 256)));
    const tokens = input.reduce((n, t) => n + fakeTokenCount(t), 0);
    expect(res.usage.prompt_tokens).toBe(tokens);
    expect(res.model).toBe("amazon.titan-embed-text-v2:0");
    expect((res as any)._cost).toBeCloseTo(catalogue("bedrock", "amazon.titan-embed-text-v2:0", tokens), 12);
  });

  test("Bedrock Cohere Embed: 96 texts a call, in order; a chat model is a 400 naming the families", async () => {
    const before = bedrock.requests.length;
    const input = texts(100, "bedrock cohere");
    const res = await client.embeddings.create({ model: "bedrock/cohere.embed-english-v3", input, encoding_format: "float" });
    expect(bedrock.requests.slice(before).map((c) => (c.body as any).texts.length)).toEqual([96, 4]);
    expect(bedrock.requests.at(-1)!.body).toMatchObject({ input_type: "search_document", embedding_types: ["float"] });
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => fakeEmbedding(t, 1024)));
    const err = await client.embeddings.create({ model: "bedrock/anthropic.claude-3-haiku-20240307-v1:0", input: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("Titan Text Embeddings");
  });

  test("an alias falls back as for chat: the first target fails, the second answers and names its model", async () => {
    const before = { openai: openai.requests.length, gemini: gemini.requests.length };
    openai.script(serverError({ times: 2 }));
    const res = await client.embeddings.create({ model: "vectors", input: ["fall back"], encoding_format: "float" });
    expect(openai.requests.length - before.openai).toBe(2);
    expect(gemini.requests.length - before.gemini).toBe(1);
    expect(res.model).toBe("gemini-embedding-001");
    expect(res.data[0].embedding).toEqual(fakeEmbedding("fall back", 3072));
    const routing = (res as any)._routing;
    expect(routing).toMatchObject({ alias: "vectors", selected_model: "gemini/gemini-embedding-001", provider: "gemini" });
    expect(routing.attempts.map((a: any) => [a.kind, a.status])).toEqual([
      ["first", 500],
      ["retry", 500],
      ["fallback", 200],
    ]);
  });

  test("a provider that cannot embed is a 400 naming it", async () => {
    const err = await client.embeddings.create({ model: "anthropic/claude-sonnet-4-5", input: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("anthropic");
    expect(err.param).toBe("model");
  });

  test("token arrays to a text-only provider are a 400 naming it", async () => {
    const err = await client.embeddings.create({ model: "gemini/gemini-embedding-001", input: [[1, 2, 3]] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("gemini");
    expect(err.param).toBe("input");
  });

  test("requests OpenAI refuses are refused at the edge, in OpenAI's shape, before any upstream call", async () => {
    const before = openai.requests.length;
    const refuse = async (body: unknown, param: string) => {
      const err = await client.embeddings.create(body as any).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
      expect(err.type).toBe("invalid_request_error");
    };
    await refuse({ model: "openai/text-embedding-3-small", input: "" }, "input");
    await refuse({ model: "openai/text-embedding-3-small", input: [] }, "input");
    await refuse({ model: "openai/text-embedding-3-small", input: ["ok", ""] }, "input");
    await refuse({ model: "openai/text-embedding-3-small", input: texts(2049, "many") }, "input");
    await refuse({ model: "openai/text-embedding-3-small", input: [1.5] }, "input");
    await refuse({ model: "openai/text-embedding-3-small", input: "x", encoding_format: "int8" }, "encoding_format");
    await refuse({ model: "openai/text-embedding-3-small", input: "x", dimensions: 0 }, "dimensions");
    await refuse({ model: "", input: "x" }, "model");
    expect(openai.requests.length).toBe(before);
    const unknown = await client.embeddings.create({ model: "nope/x", input: "x" }).catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("the upstream's own refusal keeps its status and words", async () => {
    const err = await client.embeddings.create({ model: "openai/text-embedding-ada-002", input: "x", dimensions: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("does not support specifying dimensions");
  });
});

describe("traces", () => {
  test("the trace records the call and its input texts, never the vectors; with content off, not the texts either", async () => {
    const { engine, client } = await engineWith({});
    const input = ["trace me", "and me"];
    await client.embeddings.create({ model: "openai/text-embedding-3-small", input, encoding_format: "float" });
    await client.embeddings.create({ model: "anthropic/claude-sonnet-4-5", input: "refused" }).catch(() => {});
    expect(await engine.stop()).toBe(0);
    const [ok, refused] = readTraces(engine.home);
    expect(ok).toMatchObject({
      api: "embeddings",
      status: "ok",
      http_status: 200,
      selected_model: "openai/text-embedding-3-small",
      request: input,
      response: null,
    });
    const tokens = fakeTokenCount(input[0]) + fakeTokenCount(input[1]);
    expect(ok.input_tokens).toBe(tokens);
    expect(ok.output_tokens).toBe(0);
    expect(ok.cost_usd).toBeCloseTo(catalogue("openai", "text-embedding-3-small", tokens), 12);
    // No component of any vector anywhere in the record.
    const line = JSON.stringify(ok);
    for (const v of fakeEmbedding(input[0], 1536).slice(0, 20)) expect(line).not.toContain(String(v));
    expect(refused).toMatchObject({ api: "embeddings", status: "error", http_status: 400, provider: "anthropic" });

    const off = await engineWith({}, { OPENTRACY_TRACE_CONTENT: "false" });
    await off.client.embeddings.create({ model: "openai/text-embedding-3-small", input: "secret text" });
    expect(await off.engine.stop()).toBe(0);
    const [quiet] = readTraces(off.engine.home);
    expect(quiet).toMatchObject({ api: "embeddings", status: "ok", request: null, response: null });
  });

  test("chat traces say api chat", async () => {
    const { engine, client } = await engineWith({});
    await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(await engine.stop()).toBe(0);
    expect(readTraces(engine.home)[0].api).toBe("chat");
  });
});
