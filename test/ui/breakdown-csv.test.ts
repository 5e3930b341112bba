import { expect, test } from "bun:test";
import { breakdownCsv } from "../../src/ui/app/breakdown-csv.ts";

const row = { requests: 3, errors: 1, input_tokens: 1000, output_tokens: 20, cached_tokens: 600, cost_usd: 0.000123, p50_ms: 340.5, p95_ms: 900 };

test("by model: every column of the table, the cache savings last, unknown values empty", () => {
  const text = breakdownCsv(
    [
      { key: "openai/gpt-4o-mini", ...row, cache_savings_usd: 0.000045 },
      { key: "groq/llama", ...row, p95_ms: null, cache_savings_usd: null },
    ],
    "model",
  );
  expect(text.split("\r\n")).toEqual([
    "model,requests,errors,input_tokens,output_tokens,cached_tokens,cost_usd,p50_ms,p95_ms,cache_savings_usd",
    "openai/gpt-4o-mini,3,1,1000,20,600,0.000123,340.5,900,0.000045",
    "groq/llama,3,1,1000,20,600,0.000123,340.5,,",
    "",
  ]);
});

test("other groupings: named after the grouping, no savings column (only a model has a price)", () => {
  expect(breakdownCsv([{ key: "env=prod", ...row }], "tag").split("\r\n")[0]).toBe(
    "tag,requests,errors,input_tokens,output_tokens,cached_tokens,cost_usd,p50_ms,p95_ms",
  );
});
