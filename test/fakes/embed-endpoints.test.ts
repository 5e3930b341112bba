import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { signedHeaders } from "../../src/providers/bedrock/sign.ts";
import { startFakeBedrock, type FakeBedrock } from "./bedrock-upstream.ts";
import { startFakeCohere, type FakeCohere } from "./cohere-upstream.ts";
import { fakeEmbedding, fakeTokenCount, float32Base64 } from "./embedding-vectors.ts";
import { startFakeGemini, type FakeGemini } from "./gemini-upstream.ts";
import { startFakeOpenAI, type FakeOpenAI } from "./openai-upstream.ts";

// The fakes' embed endpoints answer and refuse as their providers document.

let openai: FakeOpenAI;
let gemini: FakeGemini;
let cohere: FakeCohere;
let bedrock: FakeBedrock;
beforeAll(async () => {
  [openai, gemini, cohere, bedrock] = await Promise.all([startFakeOpenAI(), startFakeGemini(), startFakeCohere(), startFakeBedrock()]);
});
afterAll(async () => {
  await Promise.all([openai?.close(), gemini?.close(), cohere?.close(), bedrock?.close()]);
});

const post = async (url: string, body: unknown, headers: Record<string, string>) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

describe("OpenAI POST /v1/embeddings", () => {
  const call = (body: unknown, key = openai.apiKey) => post(`${openai.url}/embeddings`, body, { authorization: `Bearer ${key}` });
  test("floats or base64, the model it reports, usage", async () => {
    const f = await call({ model: "text-embedding-3-small", input: ["a b", "c"] });
    expect(f.status).toBe(200);
    expect(f.body).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: fakeEmbedding("a b", 1536) },
        { object: "embedding", index: 1, embedding: fakeEmbedding("c", 1536) },
      ],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: fakeTokenCount("a b") + 1, total_tokens: fakeTokenCount("a b") + 1 },
    });
    const b = await call({ model: "text-embedding-3-large", input: "a", encoding_format: "base64", dimensions: 4 });
    expect(b.body.data[0].embedding).toBe(float32Base64(fakeEmbedding("a", 4)));
  });
  test("refuses what OpenAI refuses", async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ model: "text-embedding-3-small", input: "" }, 400, /'\$\.input' is invalid/],
      [{ model: "text-embedding-3-small", input: [] }, 400, /'\$\.input' is invalid/],
      [{ model: "text-embedding-3-small", input: Array(2049).fill("a") }, 400, /'\$\.input' is invalid/],
      [{ model: "text-embedding-3-small" }, 400, /'input' is a required property/],
      [{ model: "text-embedding-3-small", input: "a", encoding_format: "int8" }, 400, /encoding_format/],
      [{ model: "text-embedding-ada-002", input: "a", dimensions: 8 }, 400, /does not support specifying dimensions/],
      [{ model: "text-embedding-3-small", input: "a", dimensions: 5000 }, 400, /dimensions/],
      [{ model: "text-embedding-3-small", input: "word ".repeat(8193) }, 400, /maximum context length is 8192 tokens/],
      [{ model: "gpt-4o", input: "a" }, 404, /does not exist/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(body);
      expect([r.status, r.body.error.type]).toEqual([status, "invalid_request_error"]);
      expect(r.body.error.message).toMatch(message);
    }
    expect((await call({ model: "text-embedding-3-small", input: "a" }, "sk-wrong")).status).toBe(401);
  });
});

describe("Gemini :batchEmbedContents", () => {
  const call = (model: string, body: unknown) => post(`${gemini.url}/v1beta/models/${model}:batchEmbedContents`, body, { "x-goog-api-key": gemini.apiKey });
  const req = (text: string, extra: Record<string, unknown> = {}, model = "gemini-embedding-001") => ({
    model: `models/${model}`,
    content: { parts: [{ text }] },
    ...extra,
  });
  test("values per request, no token counts", async () => {
    const r = await call("gemini-embedding-001", { requests: [req("a", { outputDimensionality: 128 }), req("b", { outputDimensionality: 128 })] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ embeddings: [{ values: fakeEmbedding("a", 128) }, { values: fakeEmbedding("b", 128) }] });
  });
  test("refuses what Gemini refuses", async () => {
    const many = { requests: Array.from({ length: 101 }, () => req("a")) };
    const cases: [string, unknown, number, RegExp][] = [
      ["gemini-embedding-001", many, 400, /at most 100 requests/],
      ["gemini-embedding-001", { requests: [req("a", {}, "text-embedding-004")] }, 400, /same as the model in the URL/],
      ["gemini-embedding-001", { requests: [req("")] }, 400, /data/],
      ["gemini-embedding-001", { requests: [req("a", { outputDimensionality: 4 })] }, 400, /between 128 and 3072/],
      ["gemini-embedding-001", { requests: [req("a", { dimensions: 4 })] }, 400, /Unknown name "dimensions"/],
      ["gemini-2.5-flash", { requests: [req("a", {}, "gemini-2.5-flash")] }, 404, /not supported for batchEmbedContents/],
    ];
    for (const [model, body, status, message] of cases) {
      const r = await call(model, body);
      expect(r.status).toBe(status);
      expect(r.body.error.message).toMatch(message);
    }
  });
});

describe("Cohere /v2/embed", () => {
  const call = (body: unknown) => post(`${cohere.url}/v2/embed`, body, { authorization: `Bearer ${cohere.apiKey}` });
  test("floats by type, billed input tokens", async () => {
    const r = await call({ model: "embed-v4.0", texts: ["a", "b c"], input_type: "search_document", embedding_types: ["float"], output_dimension: 256 });
    expect(r.status).toBe(200);
    expect(r.body.embeddings.float).toEqual([fakeEmbedding("a", 256), fakeEmbedding("b c", 256)]);
    expect(r.body.meta.billed_units.input_tokens).toBe(3);
    expect(r.body.response_type).toBe("embeddings_by_type");
  });
  test("refuses what Cohere refuses", async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ model: "embed-v4.0", texts: Array(97).fill("a"), input_type: "search_document" }, 400, /at most 96/],
      [{ model: "embed-v4.0", texts: ["a"] }, 400, /input_type must be provided/],
      [{ model: "embed-english-v3.0", texts: ["a"], input_type: "search_document", output_dimension: 256 }, 400, /not supported/],
      [{ model: "embed-v4.0", texts: ["a"], input_type: "search_document", output_dimension: 300 }, 400, /output_dimension must be one of/],
      [{ model: "embed-v4.0", texts: ["a"], input_type: "search_document", dimensions: 3 }, 422, /unknown field/],
      [{ model: "embed-nope", texts: ["a"], input_type: "search_document" }, 404, /not found/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(body);
      expect(r.status).toBe(status);
      expect(r.body.message).toMatch(message);
    }
  });
});

describe("Bedrock InvokeModel (embedding models)", () => {
  const call = async (model: string, body: unknown) => {
    const url = `${bedrock.url}/model/${encodeURIComponent(model)}/invoke`;
    const payload = JSON.stringify(body);
    const headers = await signedHeaders(
      url,
      payload,
      { "content-type": "application/json" },
      { ...bedrock.credentials, region: bedrock.region, source: "test" },
    );
    const res = await fetch(url, { method: "POST", headers, body: payload });
    return { status: res.status, type: res.headers.get("x-amzn-errortype"), body: (await res.json()) as any };
  };
  test("Titan: one embedding and its token count; Cohere: floats by type", async () => {
    const t = await call("amazon.titan-embed-text-v2:0", { inputText: "a b", dimensions: 256 });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ embedding: fakeEmbedding("a b", 256), inputTextTokenCount: 2 });
    const c = await call("cohere.embed-english-v3", { texts: ["x", "y"], input_type: "search_query", embedding_types: ["float"] });
    expect(c.body.embeddings.float).toEqual([fakeEmbedding("x", 1024), fakeEmbedding("y", 1024)]);
  });
  test("refuses what each model's schema refuses, as a ValidationException", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["amazon.titan-embed-text-v2:0", { inputText: "a", dimensions: 300 }, /#\/dimensions: 300 is not a valid enum value/],
      ["amazon.titan-embed-text-v2:0", { texts: ["a"] }, /extraneous key \[texts\]/],
      ["amazon.titan-embed-text-v1", { inputText: "a", dimensions: 256 }, /extraneous key \[dimensions\]/],
      ["cohere.embed-english-v3", { texts: Array(97).fill("a"), input_type: "search_document" }, /maximum item count: 96/],
      ["cohere.embed-english-v3", { texts: ["a"] }, /required key \[input_type\]/],
      ["anthropic.claude-3-haiku-20240307-v1:0", { inputText: "a" }, /model identifier is invalid/],
    ];
    for (const [model, body, message] of cases) {
      const r = await call(model, body);
      expect(r.status).toBe(400);
      expect(r.type).toStartWith("ValidationException");
      expect(r.body.message).toMatch(message);
    }
  });
});
