import { expect, test } from "bun:test";
import { TargetHealth } from "../../src/routing/health.ts";

test("a target opens after N consecutive failures, half-opens after the period, closes on success", () => {
  const h = new TargetHealth(() => ({ failures: 2, period_ms: 1000 }));
  const t = 1_000_000;
  h.failure("openai/gpt-4o", "500", t);
  expect(h.available("openai/gpt-4o", t)).toBe(true);
  expect(h.state("openai/gpt-4o", t).state).toBe("closed");
  h.failure("openai/gpt-4o", "500 again", t + 10);
  expect(h.available("openai/gpt-4o", t + 20)).toBe(false);
  expect(h.state("openai/gpt-4o", t + 20)).toMatchObject({ state: "open", consecutive_failures: 2, last_error: "500 again" });
  expect(h.available("openai/gpt-4o", t + 1010)).toBe(true);
  expect(h.state("openai/gpt-4o", t + 1010).state).toBe("half-open");
  // the probe fails: open again for a full period
  h.failure("openai/gpt-4o", "still down", t + 1020);
  expect(h.available("openai/gpt-4o", t + 1500)).toBe(false);
  h.success("openai/gpt-4o");
  expect(h.state("openai/gpt-4o").state).toBe("closed");
  expect(h.snapshot()).toEqual({});
});

test("a success resets the count of consecutive failures", () => {
  const h = new TargetHealth(() => ({ failures: 2, period_ms: 1000 }));
  h.failure("x/y", "e");
  h.success("x/y");
  h.failure("x/y", "e");
  expect(h.available("x/y")).toBe(true);
});
