import { describe, expect, test } from "bun:test";
import { addToTotals, costLabel, countLabel, errorText, latencyLabel, NO_TOTALS, tokensLabel } from "../../../src/cli/tail/format.ts";
import { cellWidth, fit, truncate } from "../../../src/cli/tail/fit.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

describe("numbers for people", () => {
  test("cost: two significant digits, at least cents, never exponent notation, unknown is not $0", () => {
    expect(costLabel(0.00423456)).toBe("$0.0042");
    expect(costLabel(0.0000222)).toBe("$0.000022");
    expect(costLabel(0.1234)).toBe("$0.12");
    expect(costLabel(3.5)).toBe("$3.50");
    expect(costLabel(1234.567)).toBe("$1234.57");
    expect(costLabel(1e-9)).toBe("$0.000000001");
    expect(costLabel(0)).toBe("$0");
    expect(costLabel(null)).toBe("—");
  });

  test("token counts and latency", () => {
    expect([345, 1234, 9_960, 12_345, 999_999, 1_500_000].map(countLabel)).toEqual(["345", "1.2k", "10k", "12k", "1.0M", "1.5M"]);
    expect(tokensLabel(makeTrace({ input_tokens: 1234, output_tokens: 56 }))).toBe("1.2k/56");
    expect(tokensLabel(makeErrorTrace())).toBe("—");
    expect([340.4, 999.4, 1234, 59_000, 125_000].map((ms) => latencyLabel(makeTrace({ latency_ms: ms })))).toEqual([
      "340 ms",
      "999 ms",
      "1.2 s",
      "59.0 s",
      "2m 05s",
    ]);
  });

  test("an error's message on one line", () => {
    expect(errorText(makeErrorTrace({ error_message: "bad\nthing\r\n  happened\t!" }))).toBe("bad thing happened !");
    expect(errorText(makeErrorTrace({ error_message: null, error_type: "upstream_error" }))).toBe("upstream_error");
    expect(errorText(makeTrace())).toBe("");
  });

  test("only successful calls without a price count as unpriced", () => {
    const t = [makeTrace({ cost_usd: null }), makeErrorTrace({ cost_usd: null }), makeTrace({ cost_usd: 0.5 })].reduce(addToTotals, NO_TOTALS);
    expect(t).toEqual({ requests: 3, errors: 1, costUsd: 0.5, unpriced: 1 });
  });
});

describe("fitting text to terminal cells", () => {
  test("cuts by cells, not characters, and marks the cut", () => {
    expect(truncate("openai/gpt-4o", 20)).toBe("openai/gpt-4o");
    expect(truncate("openai/gpt-4o", 8)).toBe("openai/…");
    expect(cellWidth(truncate("模型模型模型", 5))).toBeLessThanOrEqual(5);
    expect(truncate("模型模型模型", 5)).toBe("模型…");
    expect(fit("12 ms", 8, true)).toBe("   12 ms");
    expect(fit("abc", 5)).toBe("abc  ");
  });
});
