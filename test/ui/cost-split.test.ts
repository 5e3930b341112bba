import { expect, test } from "bun:test";
import { costSplit } from "../../src/ui/app/cost-split.ts";

// The catalogue's gpt-4o-mini: $0.15 input, $0.075 cache reads, $0.60 output per million.
const mini = { input: 0.15, output: 0.6, cache_read: 0.075 };

test("input, cache reads and output at their own rates; reasoning shown inside the output", () => {
  const split = costSplit({ input_tokens: 1200, cached_tokens: 1000, output_tokens: 50, reasoning_tokens: 20, cost_usd: 0.000135, _price_per_million: mini })!;
  expect(split.lines).toEqual([
    { label: "Input", tokens: 200, rate: 0.15, usd: 0.00003 },
    { label: "Input from cache", tokens: 1000, rate: 0.075, usd: 0.000075 },
    { label: "Output", tokens: 50, rate: 0.6, usd: 0.00003 },
    { label: "of which reasoning", tokens: 20, rate: null, usd: null, within: true },
  ]);
  expect(split.estimate).toBeCloseTo(0.000135, 12);
  expect(split.matches).toBe(true);
});

test("a recorded cost the rates do not explain (a cache write, a tier, a price change) is flagged", () => {
  const split = costSplit({ input_tokens: 1000, cached_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_usd: 0.0002, _price_per_million: mini })!;
  expect(split.lines.map((l) => l.label)).toEqual(["Input", "Output"]);
  expect(split.matches).toBe(false);
});

test("no known price: the tokens alone; no usage at all: nothing to split", () => {
  const split = costSplit({ input_tokens: 10, cached_tokens: 4, output_tokens: 5, reasoning_tokens: null, cost_usd: null, _price_per_million: null })!;
  expect(split.lines.map((l) => [l.label, l.tokens, l.usd])).toEqual([
    ["Input", 6, null],
    ["Input from cache", 4, null],
    ["Output", 5, null],
  ]);
  expect(split).toMatchObject({ estimate: null, matches: false });
  expect(
    costSplit({ input_tokens: null, cached_tokens: null, output_tokens: null, reasoning_tokens: null, cost_usd: null, _price_per_million: mini }),
  ).toBeNull();
});

test("a model without a cache-read rate bills cache reads as input", () => {
  const split = costSplit({
    input_tokens: 100,
    cached_tokens: 100,
    output_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0.000015,
    _price_per_million: { input: 0.15, output: 0.6 },
  })!;
  expect(split.lines[1]).toEqual({ label: "Input from cache", tokens: 100, rate: 0.15, usd: 0.000015 });
  expect(split.matches).toBe(true);
});
