import { describe, expect, test } from "bun:test";
import { base64ToFloats, EmbeddingsRequest, embeddingInputs, encodeVector, floatsToBase64, MAX_EMBEDDING_INPUTS } from "../../src/openai/embeddings.ts";

describe("EmbeddingsRequest", () => {
  const ok = (body: unknown) => EmbeddingsRequest.safeParse(body).success;
  test("the four shapes of input OpenAI takes", () => {
    expect(ok({ model: "m", input: "text" })).toBe(true);
    expect(ok({ model: "m", input: ["a", "b"] })).toBe(true);
    expect(ok({ model: "m", input: [1, 2, 3] })).toBe(true);
    expect(ok({ model: "m", input: [[1, 2], [3]] })).toBe(true);
  });
  test("what OpenAI refuses: empty strings and arrays, mixed or fractional tokens, too many inputs", () => {
    expect(ok({ model: "m", input: "" })).toBe(false);
    expect(ok({ model: "m", input: [] })).toBe(false);
    expect(ok({ model: "m", input: ["a", ""] })).toBe(false);
    expect(ok({ model: "m", input: [[]] })).toBe(false);
    expect(ok({ model: "m", input: [1.5] })).toBe(false);
    expect(ok({ model: "m", input: [-1] })).toBe(false);
    expect(ok({ model: "m", input: ["a", 1] })).toBe(false);
    expect(ok({ model: "m", input: Array(MAX_EMBEDDING_INPUTS).fill("a") })).toBe(true);
    expect(ok({ model: "m", input: Array(MAX_EMBEDDING_INPUTS + 1).fill("a") })).toBe(false);
    expect(ok({ model: "m" })).toBe(false);
    expect(ok({ model: "", input: "a" })).toBe(false);
  });
  test("encoding_format and dimensions", () => {
    expect(ok({ model: "m", input: "a", encoding_format: "base64", dimensions: 8 })).toBe(true);
    expect(ok({ model: "m", input: "a", encoding_format: null, dimensions: null })).toBe(true);
    expect(ok({ model: "m", input: "a", encoding_format: "int8" })).toBe(false);
    expect(ok({ model: "m", input: "a", dimensions: 0 })).toBe(false);
    expect(ok({ model: "m", input: "a", dimensions: 1.5 })).toBe(false);
  });
  test("unknown fields are accepted (they travel to OpenAI-dialect upstreams)", () => {
    expect(ok({ model: "m", input: "a", input_type: "search_query", user: "u" })).toBe(true);
  });
});

describe("embeddingInputs", () => {
  test("one input per embedding, in order", () => {
    expect(embeddingInputs("a")).toEqual(["a"]);
    expect(embeddingInputs(["a", "b"])).toEqual(["a", "b"]);
    expect(embeddingInputs([1, 2])).toEqual([[1, 2]]);
    expect(embeddingInputs([[1], [2, 3]])).toEqual([[1], [2, 3]]);
  });
});

describe("base64", () => {
  test("little-endian float32 bytes, as OpenAI sends them", () => {
    // 1.0 is 0x3f800000: bytes 00 00 80 3f
    expect(floatsToBase64([1])).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString("base64"));
    expect(base64ToFloats(floatsToBase64([0.5, -2, 0.25]))).toEqual([0.5, -2, 0.25]);
  });
  test("values are rounded to float32, as the vector the client decodes", () => {
    expect(base64ToFloats(floatsToBase64([0.1]))).toEqual([Math.fround(0.1)]);
  });
  test("encodeVector gives each format from either", () => {
    const b64 = floatsToBase64([1, 2]);
    expect(encodeVector([1, 2], "base64")).toBe(b64);
    expect(encodeVector(b64, "base64")).toBe(b64);
    expect(encodeVector(b64, "float")).toEqual([1, 2]);
    expect(encodeVector([1, 2], null)).toEqual([1, 2]);
  });
});
