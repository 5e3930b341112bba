import { describe, expect, test } from "bun:test";
import { buildReport, percentile } from "../../../src/cli/replay/report.ts";
import { renderReport, savingsLine } from "../../../src/cli/replay/render.ts";
import type { Outcome } from "../../../src/cli/replay/send.ts";
import { makeTrace } from "../../helpers/trace-factory.ts";

const answer = (content: string) => [{ role: "assistant", content }];
const replied = (content: string, cost: number | null, latency_ms: number): Outcome => ({
  ok: true,
  messages: answer(content),
  input_tokens: 10,
  output_tokens: 5,
  cost_usd: cost,
  latency_ms,
});

describe("percentile", () => {
  test("nearest rank, as the Activity page computes it", () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(10);
    expect(percentile(xs, 0.95)).toBe(19);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe("buildReport", () => {
  const traces = [
    makeTrace({ selected_model: "openai/gpt-4o", response: answer("a"), cost_usd: 0.001, latency_ms: 100 }),
    makeTrace({ selected_model: "openai/gpt-4o", response: answer("b"), cost_usd: 0.003, latency_ms: 300 }),
    makeTrace({ selected_model: "openai/gpt-4o", response: answer("c"), cost_usd: null, latency_ms: 200 }),
  ];

  test("a cheaper replay saves the difference of the mean priced call, per 1,000 calls; failures cost nothing", () => {
    const r = buildReport(traces, [replied("a", 0.0005, 50), { ok: false, status: 500, error: "boom" }, replied("x", 0.0005, 70)], "cheap");
    expect(r.original).toMatchObject({ model: "openai/gpt-4o", calls: 3, errors: 0, unpriced: 1, p50_ms: 200, p95_ms: 300 });
    expect(r.original.cost_per_1k_usd).toBeCloseTo(2, 12); // (0.001 + 0.003) / 2 priced calls × 1000
    expect(r.replay).toMatchObject({ model: "cheap", calls: 3, errors: 1, unpriced: 0, input_tokens: 20, p50_ms: 50, p95_ms: 70 });
    expect(r.replay.cost_per_1k_usd).toBeCloseTo(0.5, 12);
    expect(r.savings!.per_1k_usd).toBeCloseTo(1.5, 12);
    expect(r.savings!.percent).toBeCloseTo(75, 9);
    expect(r.agreement.answers).toEqual({ agree: 1, of: 2 });
    expect(r.pairs.map((p) => p.ok)).toEqual([true, false, true]);
    expect(savingsLine(r)).toBe("switching would save $1.50 per 1,000 calls (75%)");
  });

  test("a dearer replay says what it would cost more; an unpriced side says the comparison is unknown", () => {
    const dear = buildReport(traces.slice(0, 1), [replied("a", 0.002, 50)], "big");
    expect(savingsLine(dear)).toBe("switching would cost $1.00 more per 1,000 calls (100%)");
    const unknown = buildReport(traces.slice(0, 1), [replied("a", null, 50)], "student/my-model");
    expect(unknown.savings).toBeNull();
    expect(savingsLine(unknown)).toBe("cost comparison unknown: student/my-model has no known price");
    expect(renderReport(unknown, false)).toMatch(/^per 1,000 calls\s+\$1\.00\s+—$/m);
    expect(renderReport(unknown, false)).toMatch(/^cost\s+\$0\.001\s+— \(\+1 unpriced\)$/m);
  });
});
