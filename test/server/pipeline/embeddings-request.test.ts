import { describe, expect, test } from "bun:test";
import { ApiError } from "../../../src/errors/vocabulary.ts";
import { embeddingsRequest } from "../../../src/server/pipeline/embeddings-request.ts";

const limits = { maxJsonDepth: 8 };
const refusal = (raw: unknown): ApiError => {
  try {
    embeddingsRequest(raw, limits);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("embeddingsRequest", () => {
  test("returns the client's own object, unknown fields kept", () => {
    const raw = { model: "m", input: ["a"], input_type: "search_query" };
    expect(embeddingsRequest(raw, limits)).toBe(raw as any);
  });
  test("a bad input names 'input' and the shapes accepted; a missing one says so", () => {
    const e = refusal({ model: "m", input: "" });
    expect([e.status, e.code, e.param]).toEqual([400, "invalid_value", "input"]);
    expect(e.message).toContain("'$.input' is invalid");
    expect(refusal({ model: "m" }).message).toBe("Missing required parameter: 'input'.");
  });
  test("other parameters are named by their path", () => {
    expect(refusal({ model: "m", input: "a", encoding_format: "int8" }).param).toBe("encoding_format");
    expect(refusal({ model: 3, input: "a" }).param).toBe("model");
  });
  test("JSON nested too deep is refused before zod looks at it", () => {
    expect(refusal({ model: "m", input: "a", x: [[[[[[[[[1]]]]]]]]] }).code).toBe("too_deep");
  });
});
