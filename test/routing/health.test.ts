import { expect, test } from "bun:test";
import { TargetHealth } from "../../src/routing/health.ts";

test("a target cools down after N consecutive failures, is tried again after the period, is ok after a success", () => {
  const h = new TargetHealth(() => ({ failures: 2, period_ms: 1000 }));
  const t = 1_000_000;
  h.failure("openai/gpt-4o", "500", t);
  expect(h.available("openai/gpt-4o", t)).toBe(true);
  expect(h.state("openai/gpt-4o", t).state).toBe("ok");
  h.failure("openai/gpt-4o", "500 again", t + 10);
  expect(h.available("openai/gpt-4o", t + 20)).toBe(false);
  expect(h.state("openai/gpt-4o", t + 20)).toMatchObject({
    state: "cooling_down",
    consecutive_failures: 2,
    last_error: "500 again",
    cooling_until: new Date(t + 1010).toISOString(),
  });
  expect(h.available("openai/gpt-4o", t + 1010)).toBe(true);
  expect(h.state("openai/gpt-4o", t + 1010).state).toBe("trying_again");
  // the new try fails: another full cooldown
  h.failure("openai/gpt-4o", "still down", t + 1020);
  expect(h.available("openai/gpt-4o", t + 1500)).toBe(false);
  h.success("openai/gpt-4o");
  expect(h.state("openai/gpt-4o").state).toBe("ok");
  expect(h.snapshot()).toEqual({});
});

test("a success resets the count of consecutive failures", () => {
  const h = new TargetHealth(() => ({ failures: 2, period_ms: 1000 }));
  h.failure("x/y", "e");
  h.success("x/y");
  h.failure("x/y", "e");
  expect(h.available("x/y")).toBe(true);
});
