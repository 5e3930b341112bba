import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { EmbeddingsRequestBody } from "../../src/openai/embeddings.ts";
import { ADAPTERS } from "../../src/providers/adapters.ts";
import { getProvider } from "../../src/providers/registry.ts";
import type { Target } from "../../src/providers/types.ts";
import { attemptEmbeddings, batches } from "../../src/routing/embed-attempt.ts";
import { fakeEmbedding } from "../fakes/embedding-vectors.ts";
import { OVERLOADED, startFakeGemini, type FakeGemini } from "../fakes/gemini-upstream.ts";

const limits = { firstByteMs: 5000, idleMs: 5000, maxResponseBytes: 50_000_000 };

describe("batches", () => {
  test("runs of at most the limit, in order, none empty", () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([1, 2], 2)).toEqual([[1, 2]]);
    expect(batches([], 3)).toEqual([]);
  });
});

describe("attemptEmbeddings against the Gemini fake", () => {
  let gemini: FakeGemini;
  let target: Target;
  beforeAll(async () => {
    gemini = await startFakeGemini();
    target = { provider: getProvider("gemini")!, model: "text-embedding-004", baseUrl: gemini.url, headers: {}, key: gemini.apiKey };
  });
  afterAll(() => gemini?.close());

  const body = (input: string[]): EmbeddingsRequestBody => ({ model: "gemini/text-embedding-004", input, dimensions: 8 });

  test("every batch's vectors, in input order", async () => {
    const input = Array.from({ length: 205 }, (_, i) => `t${i}`);
    const before = gemini.requests.length;
    const r = await attemptEmbeddings(ADAPTERS.gemini, target, body(input), input, limits, new AbortController());
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(gemini.requests.slice(before).map((q) => q.body.requests.length)).toEqual([100, 100, 5]);
    expect(r.vectors).toEqual(input.map((t) => fakeEmbedding(t, 8)));
    expect(r.promptTokens).toBeNull();
  });

  test("a batch that fails fails the try with its error, and the batches after it are not sent", async () => {
    const input = Array.from({ length: 250 }, (_, i) => `u${i}`);
    gemini.script({});
    gemini.script({ error: OVERLOADED });
    const before = gemini.requests.length;
    const r = await attemptEmbeddings(ADAPTERS.gemini, target, body(input), input, limits, new AbortController());
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ status: 503, mapped: { status: 503, error: { type: "api_error" } } });
    expect(gemini.requests.length - before).toBe(2);
  });

  test("the client leaving mid-request is a clientGone, not an upstream failure", async () => {
    const abort = new AbortController();
    abort.abort();
    const r = await attemptEmbeddings(ADAPTERS.gemini, target, body(["x"]), ["x"], limits, abort);
    expect(r).toEqual({ ok: false, clientGone: true });
  });

  test("a protocol without embeddings is a 400 naming the provider, with nothing sent", async () => {
    const anthropic: Target = { provider: getProvider("anthropic")!, model: "claude-sonnet-4-5", baseUrl: "http://127.0.0.1:1", headers: {}, key: "k" };
    const r = await attemptEmbeddings(ADAPTERS.anthropic, anthropic, body(["x"]), ["x"], limits, new AbortController());
    expect(r).toMatchObject({ ok: false, status: 400, mapped: { error: { code: "unsupported_parameter", param: "model" } } });
    if (!r.ok && "mapped" in r) expect(r.mapped.error.message).toContain("anthropic does not offer embeddings");
  });
});
