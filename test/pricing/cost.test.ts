import { describe, expect, test } from "bun:test";
import { calcPrice, type ModelPrice } from "@pydantic/genai-prices";
import { costUSD, pricePerMillion, tokenCost, tokenRates, type Usage } from "../../src/pricing/cost.ts";

// Expected numbers come from the catalogue's own per-million rates, read now, so the tests follow
// catalogue updates instead of pinning today's prices.
function catalogueRates(catalogueProvider: string, model: string): ModelPrice {
  const r = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId: catalogueProvider });
  if (!r) throw new Error(`catalogue has no ${catalogueProvider}:${model}`);
  return r.model_price;
}

function rate(prices: ModelPrice, key: string): number {
  const v = prices[key];
  if (v === undefined) throw new Error(`catalogue lists no ${key}`);
  return typeof v === "number" ? v : v.base; // tests stay below the first tier
}

function expectedUSD(p: ModelPrice, u: Usage): number {
  const cr = u.cache_read_tokens ?? 0;
  const cw = u.cache_write_tokens ?? 0;
  const cacheRead = p.cache_read_mtok !== undefined ? rate(p, "cache_read_mtok") : rate(p, "input_mtok");
  const cacheWrite = p.cache_write_mtok !== undefined ? rate(p, "cache_write_mtok") : rate(p, "input_mtok");
  return ((u.input_tokens - cr - cw) * rate(p, "input_mtok") + cr * cacheRead + cw * cacheWrite + u.output_tokens * rate(p, "output_mtok")) / 1e6;
}

describe("costUSD from the catalogue", () => {
  test("prices plain input and output at the catalogue rates", () => {
    const u = { input_tokens: 1234, output_tokens: 567 };
    expect(costUSD("openai", "gpt-4o", u)).toBeCloseTo(expectedUSD(catalogueRates("openai", "gpt-4o"), u), 12);
  });

  test("Anthropic: cache reads and writes at their own rates", () => {
    const p = catalogueRates("anthropic", "claude-sonnet-4-5");
    expect(p.cache_read_mtok).toBeDefined();
    expect(p.cache_write_mtok).toBeDefined();
    const u = { input_tokens: 10_000, cache_read_tokens: 6_000, cache_write_tokens: 3_000, output_tokens: 800 };
    const cost = costUSD("anthropic", "claude-sonnet-4-5-20250929", u)!;
    expect(cost).toBeCloseTo(expectedUSD(p, u), 12);
    // and cheaper than the same prompt uncached, since reads cost a tenth of input
    const uncached = costUSD("anthropic", "claude-sonnet-4-5-20250929", { input_tokens: 10_000, output_tokens: 800 })!;
    expect(cost).not.toBeCloseTo(uncached, 9);
  });

  test("OpenAI: cached tokens at the cache-read rate", () => {
    const p = catalogueRates("openai", "gpt-4o");
    expect(rate(p, "cache_read_mtok")).toBeLessThan(rate(p, "input_mtok"));
    const u = { input_tokens: 5_000, cache_read_tokens: 4_096, output_tokens: 100 };
    expect(costUSD("openai", "gpt-4o", u)).toBeCloseTo(expectedUSD(p, u), 12);
  });

  test("cache writes on a model without a write rate are priced as input", () => {
    const p = catalogueRates("openai", "gpt-4o");
    expect(p.cache_write_mtok).toBeUndefined();
    const u = { input_tokens: 2_000, cache_write_tokens: 1_000, output_tokens: 10 };
    expect(costUSD("openai", "gpt-4o", u)).toBeCloseTo(expectedUSD(p, u), 12);
    expect(costUSD("openai", "gpt-4o", u)).toBe(costUSD("openai", "gpt-4o", { input_tokens: 2_000, output_tokens: 10 }));
  });

  test("reasoning tokens are part of output and are not billed twice", () => {
    const base = { input_tokens: 100, output_tokens: 1_000 };
    expect(costUSD("openai", "o3-mini", { ...base, reasoning_tokens: 900 })).toBe(costUSD("openai", "o3-mini", base));
  });

  test("reasoning tokens get their own rate when the catalogue lists one", () => {
    const p = catalogueRates("perplexity", "sonar-deep-research");
    const reasoningRate = rate(p, "output_reasoning_mtok");
    const u = { input_tokens: 1_000, output_tokens: 2_000, reasoning_tokens: 1_500 };
    const cost = costUSD("perplexity", "sonar-deep-research", u)!;
    const expected =
      (1_000 * rate(p, "input_mtok") + 500 * rate(p, "output_mtok") + 1_500 * reasoningRate) / 1e6 +
      calcPrice({ input_tokens: 0, output_tokens: 0 }, "sonar-deep-research", { providerId: "perplexity" })!.total_price;
    expect(cost).toBeCloseTo(expected, 12);
  });

  test("long prompts get the catalogue's long-context tier", () => {
    const input = catalogueRates("anthropic", "claude-sonnet-4-5").input_mtok;
    if (typeof input !== "object" || input === null || !("tiers" in input)) throw new Error("expected tiered input price");
    const tier = input.tiers[0]!;
    const u = { input_tokens: tier.start + 1_000, output_tokens: 0 };
    expect(costUSD("anthropic", "claude-sonnet-4-5", u)).toBeCloseTo((u.input_tokens * tier.price) / 1e6, 12);
  });

  test("a model's rates are looked up once, and each call's tokens are priced at them", () => {
    const perToken = rate(catalogueRates("openai", "gpt-4o-mini"), "input_mtok") / 1e6;
    const a = costUSD("openai", "gpt-4o-mini", { input_tokens: 1_000, output_tokens: 0 })!;
    const b = costUSD("openai", "gpt-4o-mini", { input_tokens: 2_000, output_tokens: 0 })!;
    expect(a).toBeCloseTo(1_000 * perToken, 15);
    expect(b).toBeCloseTo(2_000 * perToken, 15);
  });

  test("float noise is removed, real fractions are kept", () => {
    const cost = costUSD("bedrock", "us.amazon.nova-micro-v1:0", { input_tokens: 1e6, output_tokens: 1e6 })!;
    const p = catalogueRates("aws", "amazon.nova-micro-v1:0");
    expect(cost).toBe(Number((rate(p, "input_mtok") + rate(p, "output_mtok")).toFixed(12)));
    expect(String(cost).length).toBeLessThan(10);
    expect(costUSD("openai", "gpt-4o-mini", { input_tokens: 1, output_tokens: 0 })).toBe(rate(catalogueRates("openai", "gpt-4o-mini"), "input_mtok") / 1e6);
  });

  test("zero usage costs zero for a known model", () => {
    expect(costUSD("openai", "gpt-4o", { input_tokens: 0, output_tokens: 0 })).toBe(0);
  });
});

describe("model matching", () => {
  const u = { input_tokens: 150_000, output_tokens: 50_000 }; // below every long-context tier

  test("gpt-4.1 and gpt-4 are different models with different prices", () => {
    const g41 = costUSD("openai", "gpt-4.1", u);
    const g4 = costUSD("openai", "gpt-4", u);
    expect(g41).toBeCloseTo(expectedUSD(catalogueRates("openai", "gpt-4.1"), u), 9);
    expect(g4).toBeCloseTo(expectedUSD(catalogueRates("openai", "gpt-4"), u), 9);
    expect(g41).not.toBe(g4);
    expect(pricePerMillion("openai", "gpt-4.1")).not.toEqual(pricePerMillion("openai", "gpt-4"));
  });

  test("unknown suffixes are not priced as the shorter model", () => {
    for (const [provider, model] of [
      ["openai", "gpt-4.1-nonsense"],
      ["openai", "gpt-4o-nonsense"],
      ["openai", "gpt-5-nano-foo"],
      ["anthropic", "claude-sonnet-4-5-nonsense"],
      ["anthropic", "claude-sonnet-4-55"],
      ["anthropic", "claude-20"],
      ["gemini", "gemini-2.5-pro-foo"],
      ["gemini", "gemini-1.5-flash-8b"], // a cheaper model than gemini-1.5-flash
      ["azure", "o4-mini-nonsense"],
      ["mistral", "magistral-small-nonsense"],
      ["deepseek", "deepseek-chat-v9"],
      ["deepseek", "deepseek-r1-distill-llama-70b"],
      ["bedrock", "amazon.nova-pro-2-v1:0"],
    ] as const) {
      expect([provider, model, costUSD(provider, model, u)]).toEqual([provider, model, null]);
      expect(pricePerMillion(provider, model)).toBeNull();
    }
  });

  test("dated ids price as their model", () => {
    expect(costUSD("openai", "gpt-4o-2024-08-06", u)).toBe(costUSD("openai", "gpt-4o", u));
    expect(costUSD("openai", "gpt-4o-mini-2024-07-18", u)).toBe(costUSD("openai", "gpt-4o-mini", u));
    expect(costUSD("anthropic", "claude-sonnet-4-5-20250929", u)).toBe(costUSD("anthropic", "claude-sonnet-4-5", u));
    expect(costUSD("anthropic", "claude-sonnet-4-20250514", u)).toBe(costUSD("anthropic", "claude-sonnet-4", u));
    expect(costUSD("anthropic", "claude-3-5-haiku-latest", u)).not.toBeNull();
    expect(costUSD("gemini", "gemini-2.5-pro-preview-05-06", u)).toBe(costUSD("gemini", "gemini-2.5-pro", u));
    expect(costUSD("gemini", "gemini-2.0-flash-001", u)).toBe(costUSD("gemini", "gemini-2.0-flash", u));
    expect(costUSD("cohere", "command-r-plus-08-2024", u)).toBe(costUSD("cohere", "command-r-plus", u));
    expect(costUSD("anthropic", "claude-sonnet-4-5-20250929", u)).toBeCloseTo(expectedUSD(catalogueRates("anthropic", "claude-sonnet-4-5"), u), 9);
  });

  test("provider-specific ids: Bedrock, Together, Fireworks, OpenRouter, Groq", () => {
    const cases: [string, string, string][] = [
      ["bedrock", "aws", "anthropic.claude-3-5-sonnet-20240620-v1:0"],
      ["bedrock", "aws", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
      ["bedrock", "aws", "meta.llama3-1-8b-instruct-v1:0"],
      ["together", "together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"],
      ["fireworks", "fireworks", "accounts/fireworks/models/llama-v3p1-8b-instruct"],
      ["openrouter", "openrouter", "anthropic/claude-sonnet-4.5"],
      ["groq", "groq", "llama-3.3-70b-versatile"],
      ["xai", "x-ai", "grok-3-mini"],
    ];
    for (const [ours, catalogue, model] of cases) {
      expect([model, costUSD(ours, model, u)]).toEqual([model, expect.closeTo(expectedUSD(catalogueRates(catalogue, model), u), 9)]);
    }
  });

  test("model ids are case-insensitive, as the providers treat them", () => {
    expect(costUSD("openai", "GPT-4o", u)).toBe(costUSD("openai", "gpt-4o", u));
  });

  test("ids the catalogue does not list are null, never 0", () => {
    expect(costUSD("openai", "gpt-unknown", u)).toBeNull();
    expect(costUSD("azure", "my-gpt4o-deployment", u)).toBeNull();
    expect(costUSD("together", "no-such-org/no-such-model", u)).toBeNull();
    expect(costUSD("fireworks", "accounts/fireworks/models/no-such-model", u)).toBeNull();
    expect(costUSD("openai", "", u)).toBeNull();
    expect(pricePerMillion("openai", "gpt-unknown")).toBeNull();
  });

  test("a model priced only per audio hour has no token price", () => {
    expect(costUSD("openai", "whisper-1", u)).toBeNull();
    expect(pricePerMillion("openai", "whisper-1")).toBeNull();
  });
});

describe("providers", () => {
  const u = { input_tokens: 1_000, output_tokens: 1_000 };

  test("sambanova has no catalogue entry: unknown price", () => {
    expect(costUSD("sambanova", "Meta-Llama-3.3-70B-Instruct", u)).toBeNull();
    expect(pricePerMillion("sambanova", "Meta-Llama-3.3-70B-Instruct")).toBeNull();
  });

  test("unknown provider names are null even for a well-known model", () => {
    expect(costUSD("nope", "gpt-4o", u)).toBeNull();
  });

  test("ollama is local and costs exactly 0", () => {
    expect(costUSD("ollama", "llama3.1:8b", { input_tokens: 50_000, output_tokens: 9_000, cache_read_tokens: 1_000 })).toBe(0);
    expect(pricePerMillion("ollama", "anything")).toEqual({ input: 0, output: 0, cache_read: 0, cache_write: 0 });
  });

  test("gemini maps to the catalogue's google, xai to x-ai, bedrock to aws", () => {
    expect(costUSD("gemini", "gemini-2.5-flash", u)).toBeCloseTo(expectedUSD(catalogueRates("google", "gemini-2.5-flash"), u), 12);
    expect(costUSD("xai", "grok-4", u)).toBeCloseTo(expectedUSD(catalogueRates("x-ai", "grok-4"), u), 12);
    expect(costUSD("bedrock", "amazon.nova-pro-v1:0", u)).toBeCloseTo(expectedUSD(catalogueRates("aws", "amazon.nova-pro-v1:0"), u), 12);
  });
});

describe("overrides", () => {
  const overrides = {
    "openai/gpt-4o": { input: 1, output: 2, cache_read: 0.5 },
    "sambanova/Meta-Llama-3.3-70B-Instruct": { input: 0.6, output: 1.2 },
    "azure/my-deployment": { input: 3, output: 4, cache_read: 1, cache_write: 5 },
  };

  test("take precedence over the catalogue", () => {
    const u = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
    expect(costUSD("openai", "gpt-4o", u, overrides)).toBe(3);
    expect(costUSD("openai", "gpt-4o", u)).not.toBe(3);
    expect(pricePerMillion("openai", "gpt-4o", overrides)).toEqual({ input: 1, output: 2, cache_read: 0.5, cache_write: 1 });
  });

  test("price what the catalogue does not know", () => {
    expect(costUSD("sambanova", "Meta-Llama-3.3-70B-Instruct", { input_tokens: 2_000, output_tokens: 1_000 }, overrides)).toBe(
      (2_000 * 0.6 + 1_000 * 1.2) / 1e6,
    );
  });

  test("are keyed by the exact provider/model", () => {
    const u = { input_tokens: 1_000_000, output_tokens: 0 };
    expect(costUSD("openai", "gpt-4o-2024-08-06", u, overrides)).toBe(costUSD("openai", "gpt-4o-2024-08-06", u));
    expect(costUSD("azure", "gpt-4o", u, overrides)).toBe(costUSD("azure", "gpt-4o", u));
  });

  test("cache reads and writes at their rates, else at the input rate", () => {
    const u = { input_tokens: 10_000, cache_read_tokens: 4_000, cache_write_tokens: 2_000, output_tokens: 1_000 };
    expect(costUSD("azure", "my-deployment", u, overrides)).toBe((4_000 * 3 + 4_000 * 1 + 2_000 * 5 + 1_000 * 4) / 1e6);
    expect(costUSD("openai", "gpt-4o", u, overrides)).toBe((4_000 * 1 + 4_000 * 0.5 + 2_000 * 1 + 1_000 * 2) / 1e6);
    const plain = { "x/y": { input: 2, output: 8 } };
    expect(costUSD("x", "y", u, plain)).toBe((10_000 * 2 + 1_000 * 8) / 1e6);
  });

  test("reasoning inside output is billed once at the output rate", () => {
    const u = { input_tokens: 0, output_tokens: 1_000_000 };
    expect(costUSD("openai", "gpt-4o", { ...u, reasoning_tokens: 800_000 }, overrides)).toBe(2);
  });

  test("override beats ollama's local zero", () => {
    expect(costUSD("ollama", "llama3", { input_tokens: 1_000_000, output_tokens: 0 }, { "ollama/llama3": { input: 0.1, output: 0 } })).toBe(0.1);
  });
});

describe("inconsistent usage is not priced", () => {
  test("cache parts larger than the prompt", () => {
    expect(costUSD("anthropic", "claude-sonnet-4-5", { input_tokens: 10, cache_read_tokens: 20, output_tokens: 1 })).toBeNull();
    expect(costUSD("x", "y", { input_tokens: 10, cache_write_tokens: 20, output_tokens: 1 }, { "x/y": { input: 1, output: 1 } })).toBeNull();
  });

  test("negative or non-finite counts", () => {
    expect(costUSD("openai", "gpt-4o", { input_tokens: -1, output_tokens: 1 })).toBeNull();
    expect(costUSD("openai", "gpt-4o", { input_tokens: Number.NaN, output_tokens: 1 })).toBeNull();
    expect(costUSD("ollama", "llama3", { input_tokens: 1, output_tokens: Infinity })).toBeNull();
  });
});

describe("pricePerMillion", () => {
  test("shows the catalogue rates in force", () => {
    const p = catalogueRates("anthropic", "claude-sonnet-4-5");
    expect(pricePerMillion("anthropic", "claude-sonnet-4-5-20250929")).toEqual({
      input: rate(p, "input_mtok"),
      output: rate(p, "output_mtok"),
      cache_read: rate(p, "cache_read_mtok"),
      cache_write: rate(p, "cache_write_mtok"),
    });
  });

  test("omits cache rates the catalogue does not list", () => {
    const p = catalogueRates("openai", "gpt-4o");
    expect(pricePerMillion("openai", "gpt-4o")).toEqual({
      input: rate(p, "input_mtok"),
      output: rate(p, "output_mtok"),
      cache_read: rate(p, "cache_read_mtok"),
    });
  });
});

describe("fast path for token rates", () => {
  // costUSD applies per-token rates, plain or tiered by prompt size, itself instead of calling
  // calcPrice (~70 µs a call); it must agree with the catalogue's own arithmetic for every model
  // it prices that way.
  test("covers tiered entries (long-context prices) and leaves other units to the catalogue", () => {
    const tiered = catalogueRates("anthropic", "claude-sonnet-4-5");
    expect(typeof tiered.input_mtok).toBe("object");
    expect(tokenRates(tiered)).not.toBeNull();
    expect(tokenRates({ input_mtok: 1, output_mtok: 2, input_audio_mtok: 3 })).toBeNull();
    expect(tokenRates({ input_mtok: 1, output_mtok: 2, output_reasoning_mtok: 3 })).toBeNull();
    expect(tokenRates({ input_mtok: { base: 1, tiers: [{ start: 10, price: "2" }] }, output_mtok: 2 } as any)).toBeNull();
  });

  test("the highest tier the prompt is longer than applies, whatever order the tiers are listed in", () => {
    const rates = tokenRates({
      input_mtok: {
        base: 1,
        tiers: [
          { start: 200, price: 3 },
          { start: 100, price: 2 },
        ],
      },
      output_mtok: 10,
    })!;
    const perToken = (input: number) => (tokenCost(rates, { input_tokens: input, output_tokens: 0 }) * 1e6) / input;
    expect(perToken(100)).toBeCloseTo(1, 12); // "longer than": a prompt of exactly `start` stays below
    expect(perToken(101)).toBeCloseTo(2, 12);
    expect(perToken(201)).toBeCloseTo(3, 12);
    // Output is billed at the tier the prompt reached.
    const tieredOutput = tokenRates({ input_mtok: 1, output_mtok: { base: 10, tiers: [{ start: 100, price: 20 }] } })!;
    expect(tokenCost(tieredOutput, { input_tokens: 101, output_tokens: 1_000_000 })).toBeCloseTo(101 / 1e6 + 20, 9);
  });

  test("agrees with calcPrice across the catalogue and random usage", async () => {
    const { calcPrice, findProvider } = await import("@pydantic/genai-prices");
    const fc = (await import("fast-check")).default;
    const providers: Record<string, string> = {
      openai: "openai",
      anthropic: "anthropic",
      gemini: "google",
      groq: "groq",
      mistral: "mistral",
      deepseek: "deepseek",
      xai: "x-ai",
    };
    let compared = 0;
    for (const [ours, theirs] of Object.entries(providers)) {
      // Every model of these providers: tiered ones (long-context prices) included.
      for (const m of findProvider({ providerId: theirs })!.models.slice(0, 100)) {
        fc.assert(
          fc.property(fc.nat(300_000), fc.nat(100_000), fc.nat(100), fc.nat(100), (input, output, readPct, writePct) => {
            const read = Math.floor((input * readPct) / 200);
            const write = Math.floor((input * writePct) / 200);
            const ourCost = costUSD(ours, m.id, { input_tokens: input, output_tokens: output, cache_read_tokens: read, cache_write_tokens: write });
            if (ourCost === null) return;
            const usage: Record<string, number> = { input_tokens: input, output_tokens: output };
            if (read) usage.cache_read_tokens = read;
            if (write) usage.cache_write_tokens = write;
            const theirs2 = calcPrice(usage, m.id, { providerId: theirs });
            expect(theirs2).not.toBeNull();
            expect(ourCost).toBeCloseTo(theirs2!.total_price, 9);
            compared++;
          }),
          { numRuns: 20 },
        );
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
