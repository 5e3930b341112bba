import { describe, expect, test } from "bun:test";
import { buildReport, compare, percentile } from "../../../src/cli/replay/report.ts";
import { renderReport, savingsLine } from "../../../src/cli/replay/render.ts";
import type { Outcome } from "../../../src/cli/replay/send.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
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

const report = (traces: TraceRecord[], outcomes: Outcome[], to: string) =>
  buildReport(
    traces.map((t, i) => compare(t, outcomes[i]!)),
    to,
  );

describe("buildReport", () => {
  const traces = [
    makeTrace({ selected_model: "openai/gpt-4o", response: answer("a"), cost_usd: 0.001, latency_ms: 100 }),
    makeTrace({ selected_model: "openai/gpt-4o", response: answer("b"), cost_usd: 0.003, latency_ms: 300 }),
    makeTrace({ selected_model: "openai/gpt-4o", response: answer("c"), cost_usd: null, latency_ms: 200 }),
  ];

  test("both sides are measured on the pairs the replay answered; the saving on the pairs priced on both", () => {
    const r = report(traces, [replied("a", 0.0005, 50), { ok: false, status: 500, error: "boom" }, replied("x", 0.0005, 70)], "cheap");
    // The failed replay of the $0.003 call leaves that call out of the original side too.
    expect(r.original).toMatchObject({ model: "openai/gpt-4o", calls: 3, errors: 0, unpriced: 1, p50_ms: 100, p95_ms: 200 });
    expect(r.original.cost_usd).toBeCloseTo(0.001, 12);
    expect(r.original.cost_per_1k_usd).toBeCloseTo(1, 12);
    expect(r.replay).toMatchObject({ model: "cheap", calls: 3, errors: 1, unpriced: 0, input_tokens: 20, p50_ms: 50, p95_ms: 70 });
    expect(r.replay.cost_per_1k_usd).toBeCloseTo(0.5, 12);
    // Priced on both sides: only the first pair (the third has no original price).
    expect(r.savings!.pairs).toBe(1);
    expect(r.savings!.per_1k_usd).toBeCloseTo(0.5, 12);
    expect(r.savings!.percent).toBeCloseTo(50, 9);
    expect(r.agreement.answers).toEqual({ agree: 1, of: 2 });
    expect(r.pairs.map((p) => p.ok)).toEqual([true, false, true]);
    expect(savingsLine(r)).toBe("switching would save $0.50 per 1,000 calls (50%), over the 1 call(s) priced on both sides");
    expect(renderReport(r, false)).toContain("tokens, cost and latency: over the 2 call(s) the replay answered");
  });

  test("failures that cluster on the dear calls do not pass for a saving", () => {
    const priced = [
      makeTrace({ response: answer("a"), cost_usd: 0.001, latency_ms: 100 }),
      makeTrace({ response: answer("b"), cost_usd: 0.009, latency_ms: 900 }),
    ];
    // The replay costs what the original did, but the dear call failed: nothing is saved.
    const r = report(priced, [replied("a", 0.001, 100), { ok: false, status: 500, error: "boom" }], "same");
    expect(r.savings!.per_1k_usd).toBeCloseTo(0, 12);
    expect(savingsLine(r)).toBe("switching would cost the same per 1,000 calls");
    expect(r.original).toMatchObject({ input_tokens: 12, p95_ms: 100 }); // the answered call only
  });

  test("a dearer replay says what it would cost more; an unpriced side says the comparison is unknown", () => {
    const dear = report(traces.slice(0, 1), [replied("a", 0.002, 50)], "big");
    expect(savingsLine(dear)).toBe("switching would cost $1.00 more per 1,000 calls (100%)");
    const unknown = report(traces.slice(0, 1), [replied("a", null, 50)], "student/my-model");
    expect(unknown.savings).toBeNull();
    expect(savingsLine(unknown)).toBe("cost comparison unknown: student/my-model has no known price");
    expect(renderReport(unknown, false)).toMatch(/^per 1,000 calls\s+\$1\.00\s+—$/m);
    expect(renderReport(unknown, false)).toMatch(/^cost\s+\$0\.001\s+— \(\+1 unpriced\)$/m);
  });
});
