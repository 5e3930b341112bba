import { expect, test } from "bun:test";
import { TargetHealth } from "../../src/routing/health.ts";

/** Epoch ms for both, so the times the test gives are the ones /health shows. */
const EPOCH = { now: () => Date.now(), wall: (t: number) => t };

test("a target cools down after N consecutive failures, is tried again after the period, is ok after a success", () => {
  const h = new TargetHealth(() => ({ failures: 2, period_ms: 1000 }), null, EPOCH);
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
  const h = new TargetHealth(() => ({ failures: 2, period_ms: 1000 }), null, EPOCH);
  h.failure("x/y", "e");
  h.success("x/y");
  h.failure("x/y", "e");
  expect(h.available("x/y")).toBe(true);
});

test("cooldowns run on the monotonic clock: a wall-clock step does not stretch one, and /health still shows its end as a wall time", () => {
  let mono = 5_000;
  let wallOffset = Date.parse("2026-03-10T12:00:00Z") - mono;
  const clock = { now: () => mono, wall: (t: number) => t + wallOffset };
  const h = new TargetHealth(() => ({ failures: 1, period_ms: 1000 }), null, clock);
  h.failure("openai/gpt-4o", "500");
  expect(h.state("openai/gpt-4o").cooling_until).toBe("2026-03-10T12:00:01.000Z");
  // The wall clock steps an hour forward, then two back (NTP, a laptop waking): the cooldown still
  // lasts exactly its second.
  wallOffset += 3_600_000;
  mono += 500;
  expect(h.available("openai/gpt-4o")).toBe(false);
  wallOffset -= 7_200_000;
  mono += 500;
  expect(h.available("openai/gpt-4o")).toBe(true);
});
