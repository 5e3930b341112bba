import { describe, expect, test } from "bun:test";
import { backoffMs, classify, DEFAULT_RETRY, retryAfterMs } from "../../src/routing/policy.ts";

describe("classify", () => {
  test("transient failures are retried", () => {
    for (const s of [null, 408, 429, 500, 502, 503, 504, 529]) expect(classify(s)).toBe("retry");
  });
  test("failures tied to the target fall back without retrying", () => {
    for (const s of [401, 403, 404]) expect(classify(s)).toBe("fallback");
    expect(classify(400, { code: "context_length_exceeded" })).toBe("fallback");
    expect(classify(400, { message: "prompt is too long: 210000 tokens > 200000 maximum" })).toBe("fallback");
  });
  test("a request that is wrong in itself is returned at once", () => {
    for (const s of [400, 413, 422]) expect(classify(s, { message: "bad temperature" })).toBe("return");
  });
});

describe("retryAfterMs", () => {
  test("retry-after-ms wins, then seconds, then an HTTP date", () => {
    expect(retryAfterMs({ "retry-after-ms": "1500", "retry-after": "9" })).toBe(1500);
    expect(retryAfterMs({ "retry-after": "2" })).toBe(2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, now)).toBe(3000);
    expect(retryAfterMs({})).toBeNull();
    expect(retryAfterMs({ "retry-after": "soon" })).toBeNull();
  });
});

describe("backoffMs", () => {
  const policy = { ...DEFAULT_RETRY, backoff_base_ms: 100, backoff_max_ms: 1000, retry_after_max_ms: 5000 };
  test("full jitter: uniform in [0, min(max, base·2^(n-1)))", () => {
    expect(backoffMs(1, policy, null, () => 0)).toBe(0);
    expect(backoffMs(1, policy, null, () => 0.999)).toBe(99);
    expect(backoffMs(3, policy, null, () => 0.5)).toBe(200);
    expect(backoffMs(10, policy, null, () => 0.999)).toBe(999);
  });
  test("the upstream's wait is honoured up to the cap, beyond it we move on", () => {
    expect(backoffMs(1, policy, 4000)).toBe(4000);
    expect(backoffMs(1, policy, 6000)).toBeNull();
  });
});
