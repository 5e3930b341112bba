import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ApiError } from "../errors/vocabulary.ts";

/**
 * Engine API tokens. The file keeps only a SHA-256 of each token's secret; the id in the token
 * finds the entry without comparing against every hash, and the compare is constant-time.
 * A token looks like `otk_<id>_<secret>`.
 */
/**
 * Spend budgets in USD: per UTC day, per UTC month and in total. Hard (the default) refuses the
 * next request once the spend has reached the budget; soft lets it through, flagged.
 */
export const TokenBudget = z.strictObject({
  day: z.number().positive().optional(),
  month: z.number().positive().optional(),
  total: z.number().positive().optional(),
  soft: z.boolean().optional(),
});
export type TokenBudget = z.infer<typeof TokenBudget>;

/**
 * What a token may do beyond being valid (all optional: entries written before they existed stay
 * valid and unlimited). `allow` holds model, alias or provider patterns (`openai/*`, `smart`, `openai`).
 */
export const TokenLimits = z.strictObject({
  budget: TokenBudget.optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  allow: z.array(z.string().min(1).max(200)).max(100).optional(),
  expires_at: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), "not a date")
    .optional(),
});
export type TokenLimits = z.infer<typeof TokenLimits>;

export const TokenEntry = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{12}$/),
  name: z.string().min(1).max(64),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  admin: z.boolean(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
  ...TokenLimits.shape,
});
export type TokenEntry = z.infer<typeof TokenEntry>;

export const TokenFile = z.strictObject({ tokens: z.array(TokenEntry) });
export type TokenFile = z.infer<typeof TokenFile>;

const TOKEN = /^otk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => createHash("sha256").update(s).digest();

export function newToken(name: string, admin: boolean, limits: TokenLimits = {}): { token: string; entry: TokenEntry } {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return {
    token: `otk_${id}_${secret}`,
    entry: { id, name, hash: sha256(secret).toString("hex"), admin, created_at: new Date().toISOString(), revoked_at: null, ...limits },
  };
}

/** The live tokens by id, built once per reload of tokens.json, not per request. */
export type TokenIndex = ReadonlyMap<string, TokenEntry>;

export function indexTokens(file: TokenFile): TokenIndex {
  return new Map(file.tokens.filter((t) => !t.revoked_at).map((t) => [t.id, t]));
}

/** The entry a presented bearer token belongs to, or null (unknown, revoked, malformed or wrong). */
export function verifyToken(presented: string, index: TokenIndex): TokenEntry | null {
  const m = TOKEN.exec(presented);
  if (!m) return null;
  const entry = index.get(m[1]);
  if (!entry) return null;
  const stored = Buffer.from(entry.hash, "hex");
  return timingSafeEqual(sha256(m[2]), stored) ? entry : null;
}

/** 401 token_expired for a token past its `expires_at` (checked on every route: /v1, /api/, /metrics, the UI's sign-in and session), else null. */
export function expired(entry: TokenEntry, now = Date.now()): ApiError | null {
  if (entry.expires_at === undefined || Date.parse(entry.expires_at) > now) return null;
  return new ApiError("token_expired", `Token '${entry.name}' expired at ${entry.expires_at}; ask for a new one (opentracy tokens update --expires).`);
}
