import { describe, expect, test } from "bun:test";
import { Call } from "../../src/server/call.ts";
import { TraceRecord } from "../../src/traces/record.ts";

/** Spins until `ms` have passed since `t0`: the attempts below need real time between them. */
function until(t0: number, ms: number): number {
  while (performance.now() - t0 < ms) {}
  return performance.now();
}

describe("Call", () => {
  test("each attempt keeps when it started after the request and how long it took, to the microsecond", () => {
    const call = new Call();
    call.requested = "smart";
    call.onTarget("openai", "gpt-4o");
    const first = until(call.t0, 2);
    call.attempt(500, "api_error", "first", first);
    const second = until(call.t0, 6);
    call.onTarget("groq", "llama");
    call.attempt(200, null, "fallback", second);
    const [a, b] = call.attempts;
    expect(a).toMatchObject({ model: "openai/gpt-4o", provider: "openai", status: 500, kind: "first" });
    expect(b).toMatchObject({ model: "groq/llama", provider: "groq", status: 200, kind: "fallback" });
    expect(a!.start_ms!).toBeGreaterThanOrEqual(2);
    // The second starts after the first ended: the gap between them is visible.
    expect(b!.start_ms!).toBeGreaterThanOrEqual(a!.start_ms! + a!.latency_ms);
    expect(b!.start_ms! + b!.latency_ms).toBeLessThanOrEqual(call.elapsedMs());
    for (const x of [a!.start_ms!, b!.start_ms!]) expect(Math.round(x * 1000) / 1000).toBe(x);
  });

  test("the attempts' starts reach both the answer's _routing and the trace record", () => {
    const call = new Call();
    call.requested = "openai/gpt-4o";
    call.onTarget("openai", "gpt-4o");
    call.attempt(200, null, "first", until(call.t0, 1));
    const routing = call.extras()._routing as { attempts: unknown[] };
    expect(routing.attempts).toEqual(call.attempts);
    const record = TraceRecord.parse(call.toRecord(200, null));
    expect(record.attempts[0]!.start_ms).toBe(call.attempts[0]!.start_ms);
  });
});
