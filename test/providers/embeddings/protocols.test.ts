import { describe, expect, test } from "bun:test";
import { ApiError } from "../../../src/errors/vocabulary.ts";
import type { EmbeddingsRequestBody } from "../../../src/openai/embeddings.ts";
import { ADAPTERS } from "../../../src/providers/adapters.ts";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { embedFamily } from "../../../src/providers/bedrock/embeddings.ts";
import { getProvider } from "../../../src/providers/registry.ts";
import type { EmbeddingsBatch, Target } from "../../../src/providers/types.ts";

const target = (provider: string, model: string, baseUrl: string, extra: Partial<Target> = {}): Target => ({
  provider: getProvider(provider)!,
  model,
  baseUrl,
  headers: {},
  key: "k-123",
  ...extra,
});
const batch = (
  body: Partial<EmbeddingsRequestBody>,
  inputs = (Array.isArray(body.input) ? body.input : [body.input]) as EmbeddingsBatch["inputs"],
): EmbeddingsBatch => ({
  body: { model: "x", input: "a", ...body } as EmbeddingsRequestBody,
  inputs,
});
const sent = async (provider: string, t: Target, b: EmbeddingsBatch) => {
  const req = await ADAPTERS[getProvider(provider)!.protocol].embeddings!.buildRequest(b, t);
  return { url: req.url, headers: req.init.headers as Record<string, string>, body: JSON.parse(req.init.body as string) };
};

describe("which protocols embed", () => {
  test("openai, azure, bedrock, gemini and cohere do; anthropic does not", () => {
    expect(
      Object.entries(ADAPTERS)
        .filter(([, a]) => a.embeddings)
        .map(([p]) => p)
        .sort(),
    ).toEqual(["azure", "bedrock", "cohere", "gemini", "openai"]);
  });
  test("batch limits: OpenAI's 2048, Gemini's 100, Cohere's 96", () => {
    expect(ADAPTERS.openai.embeddings!.maxBatch(null as any)).toBe(2048);
    expect(ADAPTERS.azure.embeddings!.maxBatch(null as any)).toBe(2048);
    expect(ADAPTERS.gemini.embeddings!.maxBatch(null as any)).toBe(100);
    expect(ADAPTERS.cohere.embeddings!.maxBatch(null as any)).toBe(96);
    const bedrock = (model: string) => ADAPTERS.bedrock.embeddings!.maxBatch({ model } as Target);
    expect([bedrock("amazon.titan-embed-text-v2:0"), bedrock("us.cohere.embed-v4:0")]).toEqual([1, 96]);
  });
});

describe("OpenAI dialect", () => {
  const t = target("mistral", "mistral-embed", "https://api.mistral.ai/v1");
  test("POST {base}/embeddings with the client's body, model and the batch's inputs replaced", async () => {
    const r = await sent("mistral", t, batch({ model: "mistral/mistral-embed", input: ["a", "b", "c"], encoding_format: "base64", extra: 1 }, ["b", "c"]));
    expect(r.url).toBe("https://api.mistral.ai/v1/embeddings");
    expect(r.headers.authorization).toBe("Bearer k-123");
    expect(r.body).toEqual({ model: "mistral-embed", input: ["b", "c"], encoding_format: "base64", extra: 1 });
  });
  test("a single string or token array goes up in the client's own shape", async () => {
    expect((await sent("openai", t, batch({ input: "one" }, ["one"]))).body.input).toBe("one");
    expect((await sent("openai", t, batch({ input: [1, 2] }, [[1, 2]]))).body.input).toEqual([1, 2]);
  });
  test("the answer's index decides the order; model and usage are read", () => {
    const part = ADAPTERS.openai.embeddings!.parseResponse(
      JSON.stringify({
        data: [
          { index: 1, embedding: [2] },
          { index: 0, embedding: "AACAPw==" },
        ],
        model: "m-v2",
        usage: { prompt_tokens: 7, total_tokens: 7 },
      }),
      t,
      batch({}, ["a", "b"]),
    );
    expect(part).toEqual({ vectors: ["AACAPw==", [2]], model: "m-v2", promptTokens: 7 });
  });
  test("a missing, duplicate or out-of-range embedding is a 502, not a hole in the answer", () => {
    const parse = (data: unknown) => () => ADAPTERS.openai.embeddings!.parseResponse(JSON.stringify({ data }), t, batch({}, ["a", "b"]));
    expect(parse([{ index: 0, embedding: [1] }])).toThrow(UpstreamError);
    expect(
      parse([
        { index: 0, embedding: [1] },
        { index: 2, embedding: [1] },
      ]),
    ).toThrow(/out of range/);
    expect(parse("no")).toThrow(/no data array/);
    expect(() => ADAPTERS.openai.embeddings!.parseResponse("{", t, batch({}, ["a"]))).toThrow(/not JSON/);
  });
});

describe("Azure", () => {
  test("the deployment's /embeddings with the api-version and the api-key header", async () => {
    const endpoint = "https://res.openai.azure.com";
    const r = await sent("azure", target("azure", "embed-prod", endpoint), batch({ input: ["a"] }));
    expect(r.url).toBe(`${endpoint}/openai/deployments/embed-prod/embeddings?api-version=2024-10-21`);
    expect(r.headers["api-key"]).toBe("k-123");
    expect(r.body.model).toBe("embed-prod");
    const v1 = await sent("azure", target("azure", "embed-prod", endpoint, { apiVersion: "v1" }), batch({ input: ["a"] }));
    expect(v1.url).toBe(`${endpoint}/openai/v1/embeddings`);
  });
});

describe("Gemini", () => {
  const t = target("gemini", "gemini-embedding-001", "https://generativelanguage.googleapis.com");
  test(":batchEmbedContents, one request per text naming the model; dimensions → outputDimensionality; task_type → taskType", async () => {
    const r = await sent("gemini", t, batch({ input: ["a", "b"], dimensions: 256, task_type: "RETRIEVAL_QUERY" }));
    expect(r.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(r.headers["x-goog-api-key"]).toBe("k-123");
    expect(r.body).toEqual({
      requests: ["a", "b"].map((text) => ({
        model: "models/gemini-embedding-001",
        content: { parts: [{ text }] },
        outputDimensionality: 256,
        taskType: "RETRIEVAL_QUERY",
      })),
    });
  });
  test("token arrays are refused with a 400 naming gemini", async () => {
    const err = await Promise.resolve()
      .then(() => sent("gemini", t, batch({ input: [[1, 2]] }, [[1, 2]])))
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.message).toContain("gemini");
  });
  test("values in order; no token count; a count mismatch is a 502", () => {
    const p = ADAPTERS.gemini.embeddings!;
    expect(p.parseResponse(JSON.stringify({ embeddings: [{ values: [1] }, { values: [2] }] }), t, batch({}, ["a", "b"]))).toEqual({
      vectors: [[1], [2]],
      model: null,
      promptTokens: null,
    });
    expect(() => p.parseResponse(JSON.stringify({ embeddings: [{ values: [1] }] }), t, batch({}, ["a", "b"]))).toThrow(/1 embeddings for 2 inputs/);
  });
});

describe("Cohere", () => {
  const t = target("cohere", "embed-v4.0", "https://api.cohere.com");
  test("/v2/embed with texts, search_document by default, floats, output_dimension", async () => {
    const r = await sent("cohere", t, batch({ input: ["a", "b"], dimensions: 512 }));
    expect(r.url).toBe("https://api.cohere.com/v2/embed");
    expect(r.headers.authorization).toBe("Bearer k-123");
    expect(r.body).toEqual({ model: "embed-v4.0", texts: ["a", "b"], input_type: "search_document", embedding_types: ["float"], output_dimension: 512 });
  });
  test("the client's input_type and truncate win", async () => {
    const r = await sent("cohere", t, batch({ input: ["a"], input_type: "search_query", truncate: "END" }));
    expect(r.body).toMatchObject({ input_type: "search_query", truncate: "END" });
  });
  test("token arrays are refused with a 400 naming cohere", async () => {
    const err = await Promise.resolve()
      .then(() => sent("cohere", t, batch({ input: [1] }, [[1]])))
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain("cohere");
  });
  test("embeddings.float in order, billed input tokens", () => {
    const p = ADAPTERS.cohere.embeddings!;
    const text = JSON.stringify({ id: "x", embeddings: { float: [[1], [2]] }, meta: { billed_units: { input_tokens: 9 } } });
    expect(p.parseResponse(text, t, batch({}, ["a", "b"]))).toEqual({ vectors: [[1], [2]], model: null, promptTokens: 9 });
    expect(() => p.parseResponse(JSON.stringify({ embeddings: {} }), t, batch({}, ["a"]))).toThrow(/embeddings.float/);
  });
});

describe("Bedrock", () => {
  const aws = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret", region: "eu-west-1", source: "environment" };
  const titan = target("bedrock", "amazon.titan-embed-text-v2:0", "", { key: null, aws });
  const cohere = target("bedrock", "cohere.embed-v4:0", "", { key: null, aws });
  test("embedFamily reads the model id, inference-profile prefixes included", () => {
    expect(embedFamily("amazon.titan-embed-text-v1")).toBe("titan");
    expect(embedFamily("us.cohere.embed-v4:0")).toBe("cohere");
    expect(embedFamily("anthropic.claude-3-haiku-20240307-v1:0")).toBeNull();
  });
  test("Titan: InvokeModel on the regional endpoint, SigV4-signed, inputText and dimensions", async () => {
    const r = await sent("bedrock", titan, batch({ input: ["a"], dimensions: 512 }));
    expect(r.url).toBe("https://bedrock-runtime.eu-west-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke");
    expect(new Headers(r.headers).get("authorization")).toStartWith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/");
    expect(r.body).toEqual({ inputText: "a", dimensions: 512 });
  });
  test("Cohere Embed: texts, input_type, float embeddings, output_dimension", async () => {
    const r = await sent("bedrock", cohere, batch({ input: ["a", "b"], dimensions: 256, input_type: "clustering" }));
    expect(r.body).toEqual({ texts: ["a", "b"], input_type: "clustering", embedding_types: ["float"], output_dimension: 256 });
  });
  test("answers: Titan's token count; Cohere's by type or bare, with no count", () => {
    const p = ADAPTERS.bedrock.embeddings!;
    expect(p.parseResponse(JSON.stringify({ embedding: [1], inputTextTokenCount: 4 }), titan, batch({}, ["a"]))).toEqual({
      vectors: [[1]],
      model: null,
      promptTokens: 4,
    });
    expect(p.parseResponse(JSON.stringify({ embeddings: { float: [[1], [2]] } }), cohere, batch({}, ["a", "b"])).vectors).toEqual([[1], [2]]);
    expect(p.parseResponse(JSON.stringify({ embeddings: [[3]] }), cohere, batch({}, ["a"]))).toEqual({ vectors: [[3]], model: null, promptTokens: null });
  });
  test("another model is a 400 naming the families Bedrock embeds with", async () => {
    const err = await Promise.resolve()
      .then(() => sent("bedrock", target("bedrock", "meta.llama3-8b-instruct-v1:0", "", { aws }), batch({ input: ["a"] })))
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.param).toBe("model");
    expect(err.message).toContain("Titan Text Embeddings");
  });
});
