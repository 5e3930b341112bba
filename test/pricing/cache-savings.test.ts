import { describe, expect, test } from "bun:test";
import { cacheSavingsUSD } from "../../src/pricing/cache-savings.ts";
import { pricePerMillion } from "../../src/pricing/cost.ts";

describe("cacheSavingsUSD", () => {
  test("cached tokens × (input rate − cache-read rate), from the catalogue", () => {
    // The catalogue's gpt-4o-mini: $0.15 per million input tokens, $0.075 per million cache reads.
    expect(pricePerMillion("openai", "gpt-4o-mini")).toMatchObject({ input: 0.15, cache_read: 0.075 });
    expect(cacheSavingsUSD("openai/gpt-4o-mini", 2_000_000)).toBe(0.15);
    expect(cacheSavingsUSD("openai/gpt-4o-mini", 1234)).toBe(0.00009255);
    expect(cacheSavingsUSD("openai/gpt-4o-mini", 0)).toBe(0);
  });

  test("a config override's rates win; without a cache-read rate it bills (and saves) at the input rate", () => {
    const prices = { "openai/gpt-4o-mini": { input: 1, output: 2, cache_read: 0.25 }, "acme/x": { input: 1, output: 2 } };
    expect(cacheSavingsUSD("openai/gpt-4o-mini", 1_000_000, prices)).toBe(0.75);
    expect(cacheSavingsUSD("acme/x", 1_000_000, prices)).toBe(0);
  });

  test("null when nobody can say: no price, no cache-read rate, or not a provider/model", () => {
    expect(cacheSavingsUSD("openai/no-such-model", 1000)).toBeNull();
    expect(pricePerMillion("groq", "llama-3.3-70b-versatile")?.cache_read).toBeUndefined();
    expect(cacheSavingsUSD("groq/llama-3.3-70b-versatile", 1000)).toBeNull();
    expect(cacheSavingsUSD("smart", 1000)).toBeNull();
    expect(cacheSavingsUSD("/gpt-4o", 1000)).toBeNull();
  });
});
