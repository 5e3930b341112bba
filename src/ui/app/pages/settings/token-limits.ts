import { usd } from "../../format.ts";
import type { TokenLimits, TokenRow } from "./types.ts";

/** The compact form's fields, as typed: empty means no limit. */
export interface LimitFields {
  day: string;
  month: string;
  total: string;
  soft: boolean;
  rpm: string;
  tpm: string;
  /** Comma- or space-separated patterns: openai/*, smart. */
  allow: string;
  /** yyyy-mm-dd (midnight UTC), or empty. */
  expires: string;
}

export function fieldsOf(t: TokenLimits | null): LimitFields {
  const n = (v: number | undefined) => (v === undefined ? "" : String(v));
  return {
    day: n(t?.budget?.day),
    month: n(t?.budget?.month),
    total: n(t?.budget?.total),
    soft: t?.budget?.soft === true,
    rpm: n(t?.rpm),
    tpm: n(t?.tpm),
    allow: (t?.allow ?? []).join(", "),
    expires: t?.expires_at ? t.expires_at.slice(0, 10) : "",
  };
}

/**
 * The fields as the body of PATCH /api/settings/tokens/{id}: every limit present, null when its
 * field is empty (removed). A number that does not parse is sent as typed, for the engine's
 * validation to name the field. For POST, `created` drops the nulls.
 */
export function limitsBody(f: LimitFields): Record<string, unknown> {
  const num = (s: string): number | string | null => (s.trim() === "" ? null : Number.isFinite(Number(s)) ? Number(s) : s.trim());
  const budget: Record<string, unknown> = {};
  for (const k of ["day", "month", "total"] as const) {
    const v = num(f[k]);
    if (v !== null) budget[k] = v;
  }
  if (Object.keys(budget).length && f.soft) budget.soft = true;
  const allow = f.allow
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    budget: Object.keys(budget).length ? budget : null,
    rpm: num(f.rpm),
    tpm: num(f.tpm),
    allow: allow.length ? allow : null,
    expires_at: f.expires.trim() === "" ? null : /^\d{4}-\d\d-\d\d$/.test(f.expires.trim()) ? `${f.expires.trim()}T00:00:00.000Z` : f.expires.trim(),
  };
}

export const created = (body: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));

/** One line per limit for the list: "$1.20 of $5.00 today", "60 rpm", … (empty: no limits). */
export function describeLimits(t: TokenRow, now = new Date()): string[] {
  const out: string[] = [];
  const label = { day: "today", month: "this month", total: "in total" } as const;
  for (const k of ["day", "month", "total"] as const) {
    const limit = t.budget?.[k];
    if (limit === undefined) continue;
    out.push(`${t.spend ? `${usd(t.spend[k])} of ` : ""}${usd(limit)} ${label[k]}${t.budget?.soft ? " (soft)" : ""}`);
  }
  if (t.rpm !== undefined) out.push(`${t.rpm} requests/min`);
  if (t.tpm !== undefined) out.push(`${t.tpm} tokens/min`);
  if (t.allow) out.push(`only ${t.allow.join(", ")}`);
  if (t.expires_at) out.push(`${Date.parse(t.expires_at) <= now.getTime() ? "expired" : "expires"} ${t.expires_at.slice(0, 10)}`);
  if (t.spend?.unpriced) out.push(`${t.spend.unpriced} unpriced call${t.spend.unpriced === 1 ? "" : "s"}`);
  return out;
}
