import { describe, expect, test } from "bun:test";
import { newToken, TokenEntry } from "../../src/auth/tokens.ts";
import { modelAllowed, TokenGuard } from "../../src/budgets/guard.ts";
import { RateLimiter } from "../../src/budgets/rate.ts";
import { SpendLedger } from "../../src/budgets/spend.ts";
import { ApiError } from "../../src/errors/vocabulary.ts";
import type { TraceRecord } from "../../src/traces/record.ts";

const T0 = Date.parse("2026-03-31T23:59:00.000Z");
const rec = (token: string, cost: number | null, ts: number, extra: Partial<TraceRecord> = {}) =>
  ({ token_name: token, cost_usd: cost, ts_start: new Date(ts).toISOString(), status: "ok", input_tokens: 10, output_tokens: 5, ...extra }) as TraceRecord;

describe("TokenEntry", () => {
  test("old entries without limits stay valid; limits are checked", () => {
    const { entry } = newToken("old", false);
    expect(TokenEntry.parse(entry)).toEqual(entry);
    expect(TokenEntry.safeParse({ ...entry, budget: { day: -1 } }).success).toBe(false);
    expect(TokenEntry.safeParse({ ...entry, expires_at: "soon" }).success).toBe(false);
    expect(TokenEntry.parse({ ...entry, budget: { day: 5, soft: true }, rpm: 60, allow: ["openai/*"] }).budget).toEqual({ day: 5, soft: true });
  });
});

describe("SpendLedger", () => {
  test("sums cost per token and period, counts unknown costs apart, and starts a new UTC day and month at 0", () => {
    let now = T0;
    const l = new SpendLedger(() => now);
    l.observe(rec("a", 1.5, now));
    l.observe(rec("a", null, now));
    l.observe(rec("a", null, now, { status: "error" }));
    l.observe(rec("b", 2, now));
    expect(l.get("a")).toEqual({ day: 1.5, month: 1.5, total: 1.5, unpriced: 1 });
    now += 2 * 60_000; // 2026-04-01T00:01Z: a new day and a new month
    expect(l.get("a")).toEqual({ day: 0, month: 0, total: 1.5, unpriced: 1 });
    l.observe(rec("a", 0.25, now));
    expect(l.get("a")).toEqual({ day: 0.25, month: 0.25, total: 1.75, unpriced: 1 });
  });

  test("load replaces with the store's sums; merge keeps the larger of store and own count", async () => {
    const l = new SpendLedger(() => T0);
    const source = (day: number, total: number) => ({
      spendByToken: async (since: number) => [{ token: "a", cost_usd: since === 0 ? total : day, unpriced: 2 }],
    });
    await l.load(source(3, 10));
    expect(l.get("a")).toEqual({ day: 3, month: 3, total: 10, unpriced: 2 });
    l.observe(rec("a", 1, T0));
    await l.load(source(3.5, 10.5), true); // a peer's 0.5 is in the store, this engine's 1 is not yet
    expect(l.get("a").total).toBe(11);
    await l.load(source(6, 13), true);
    expect(l.get("a")).toMatchObject({ day: 6, total: 13 });
  });
});

describe("RateLimiter", () => {
  test("requests per minute over a sliding window, with the wait until a slot frees", () => {
    let now = 1_000_000;
    const r = new RateLimiter(() => now);
    expect(r.admit("a", 2, undefined)).toBeNull();
    now += 10_000;
    expect(r.admit("a", 2, undefined)).toBeNull();
    expect(r.admit("a", 2, undefined)).toEqual({ limit: "rpm", retryAfterS: 50 });
    expect(r.admit("b", 2, undefined)).toBeNull();
    now += 50_000;
    expect(r.admit("a", 2, undefined)).toBeNull();
    expect(r.admit("a", 2, undefined)).toMatchObject({ limit: "rpm" });
  });

  test("tokens per minute count finished calls' tokens", () => {
    let now = 0;
    const r = new RateLimiter(() => now);
    expect(r.admit("a", undefined, 100)).toBeNull();
    r.used("a", 60);
    expect(r.admit("a", undefined, 100)).toBeNull();
    now = 1000;
    r.used("a", 60);
    expect(r.admit("a", undefined, 100)).toEqual({ limit: "tpm", retryAfterS: 59 });
    now = 60_001;
    expect(r.admit("a", undefined, 100)).toBeNull();
    expect(r.usage("a").tokens).toBe(60);
  });
});

describe("modelAllowed", () => {
  test("patterns match the requested name or every target it routes to", () => {
    expect(modelAllowed(undefined, "anything", [])).toBe(true);
    expect(modelAllowed(["openai/*"], "openai/gpt-4o", ["openai/gpt-4o"])).toBe(true);
    expect(modelAllowed(["openai/*"], "gpt-4o-mini", ["openai/gpt-4o-mini"])).toBe(true);
    expect(modelAllowed(["openai"], "openai/gpt-4o", ["openai/gpt-4o"])).toBe(true);
    expect(modelAllowed(["openai/*"], "anthropic/claude-sonnet-4-6", ["anthropic/claude-sonnet-4-6"])).toBe(false);
    expect(modelAllowed(["smart"], "smart", ["groq/x", "anthropic/y"])).toBe(true);
    expect(modelAllowed(["openai/*"], "smart", ["groq/x", "openai/y"])).toBe(false);
    expect(modelAllowed(["openai/gpt-4o*"], "openai/gpt-4o.x", [])).toBe(true);
    expect(modelAllowed(["openai/gpt.4o"], "openai/gpt-4o", [])).toBe(false);
  });
});

describe("TokenGuard", () => {
  const entry = (extra: Partial<TokenEntry>): TokenEntry => ({ ...newToken("t", false).entry, ...extra });

  test("expiry, hard and soft budgets, and rate limits, in that order", () => {
    let now = T0;
    const tokens = new Map<string, TokenEntry>();
    const g = new TokenGuard(
      () => tokens,
      () => now,
    );
    const expired = g.admit(entry({ expires_at: new Date(now - 1).toISOString() }));
    expect(expired).toBeInstanceOf(ApiError);
    expect((expired as ApiError).code).toBe("token_expired");
    expect((expired as ApiError).status).toBe(401);

    const hard = entry({ budget: { day: 1, total: 100 } });
    tokens.set("t", hard);
    expect(g.admit(hard)).toEqual({ over: [] });
    g.observe(rec("t", 1, now));
    const refused = g.admit(hard) as ApiError;
    expect(refused.code).toBe("insufficient_quota");
    expect(refused.status).toBe(429);
    expect(refused.message).toContain("daily budget: $1.00 of $1.00");
    expect(refused.message).toContain("resets at 2026-04-01T00:00:00.000Z");
    expect(refused.headers["x-should-retry"]).toBe("false");

    const soft = entry({ budget: { day: 1, soft: true } });
    expect(g.admit(soft)).toEqual({ over: ["day"] });
    now += 2 * 60_000; // the next UTC day: the daily budget starts over
    expect(g.admit(hard)).toEqual({ over: [] });

    const limited = entry({ rpm: 1, tpm: 1000 });
    expect(g.admit(limited)).toEqual({ over: [] });
    const rl = g.admit(limited) as ApiError;
    expect(rl.code).toBe("rate_limit_exceeded");
    expect(rl.headers["retry-after"]).toBe("60");
  });
});
