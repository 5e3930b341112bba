import { describe, expect, test } from "bun:test";
import { TokenLimits } from "../../src/auth/tokens.ts";
import { created, describeLimits, fieldsOf, limitsBody } from "../../src/ui/app/pages/settings/token-limits.ts";
import type { TokenRow } from "../../src/ui/app/pages/settings/types.ts";

const row = (extra: Partial<TokenRow>): TokenRow => ({
  id: "0123456789ab",
  name: "ci",
  admin: false,
  created_at: "2026-01-01T00:00:00Z",
  revoked_at: null,
  ...extra,
});

describe("the Tokens page's limits form", () => {
  test("fields round-trip through the body the settings API validates", () => {
    const limits = { budget: { day: 5, total: 1000, soft: true }, rpm: 60, allow: ["openai/*", "smart"], expires_at: "2027-01-01T00:00:00.000Z" };
    const body = limitsBody(fieldsOf(limits));
    expect(body).toEqual({ ...limits, tpm: null });
    expect(TokenLimits.parse(created(body))).toEqual(limits);
  });

  test("empty fields remove a limit; typed text that is not a number reaches the engine's validation as typed", () => {
    const f = { ...fieldsOf(null), day: " ", rpm: "lots", allow: " openai/* ,, smart ", expires: "2027-02-03" };
    const body = limitsBody(f);
    expect(body.budget).toBeNull();
    expect(body.rpm).toBe("lots");
    expect(body.allow).toEqual(["openai/*", "smart"]);
    expect(body.expires_at).toBe("2027-02-03T00:00:00.000Z");
    expect(TokenLimits.safeParse(created(body)).success).toBe(false);
    // A soft tick alone sets no budget.
    expect(limitsBody({ ...fieldsOf(null), soft: true }).budget).toBeNull();
  });

  test("the list's lines: spend against each budget, rates, models, expiry, unpriced calls", () => {
    const lines = describeLimits(
      row({
        budget: { day: 5, month: 100, soft: true },
        rpm: 60,
        allow: ["openai/*"],
        expires_at: "2020-01-01T00:00:00Z",
        spend: { day: 1.2, month: 30, total: 30, unpriced: 2 },
      }),
    );
    expect(lines).toEqual([
      "$1.20 of $5.00 today (soft)",
      "$30.00 of $100.00 this month (soft)",
      "60 requests/min",
      "only openai/*",
      "expired 2020-01-01",
      "2 unpriced calls",
    ]);
    expect(describeLimits(row({}))).toEqual([]);
  });
});
