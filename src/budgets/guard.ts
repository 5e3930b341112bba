import { expired, type TokenEntry } from "../auth/tokens.ts";
import { ApiError } from "../errors/vocabulary.ts";
import type { TraceRecord } from "../traces/record.ts";
import { RateLimiter } from "./rate.ts";
import { PERIODS, type Period, periodBounds, SpendLedger, type TokenSpend } from "./spend.ts";

const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

/** When a period's budget starts over: the next UTC midnight, the first of next month, never for the total. */
export function resetsAt(period: Period, nowMs: number): string | null {
  const b = periodBounds(nowMs);
  if (period === "day") return new Date(b.dayEnd).toISOString();
  if (period === "month") return new Date(b.monthEnd).toISOString();
  return null;
}

/** Each budget the token sets, with its spend and use (spend / budget). */
export function budgetUse(entry: TokenEntry, spend: TokenSpend): { period: Period; limit: number; spent: number; ratio: number }[] {
  const out: { period: Period; limit: number; spent: number; ratio: number }[] = [];
  for (const period of PERIODS) {
    const limit = entry.budget?.[period];
    if (limit !== undefined) out.push({ period, limit, spent: spend[period], ratio: spend[period] / limit });
  }
  return out;
}

/** Each allow pattern compiled once: the check runs on every request of a token that has a list. */
const compiled = new Map<string, RegExp>();

/** Glob with `*` only; a bare provider name (`openai`) stands for `openai/*`. */
function matches(pattern: string, name: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("/") && name.startsWith(`${pattern}/`)) return true;
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    compiled.set(pattern, re);
  }
  return re.test(name);
}

/**
 * Whether a token with `allow` may call `requested` (what the client sent: a model, `provider/model`
 * or an alias). Allowed when the requested name matches a pattern, or when every target it routes
 * to (`provider/model`) does: `openai/*` admits `gpt-4o-mini` when that resolves to OpenAI.
 * Naming an alias admits the alias whatever its targets.
 */
export function modelAllowed(allow: readonly string[] | undefined, requested: string, targets: readonly string[]): boolean {
  if (!allow) return true;
  if (allow.some((p) => matches(p, requested))) return true;
  return targets.length > 0 && targets.every((t) => allow.some((p) => matches(p, t)));
}

export interface Admitted {
  /** Soft budgets already reached: the request goes through, flagged (header and trace tag). */
  over: Period[];
}

/**
 * Every per-token limit, checked when a request is admitted, from memory only: expiry, the spend
 * budgets (the ledger), requests and tokens per minute (the limiter). The ledger and the limiter
 * are advanced by `observe`, the writer's observer for each finished record.
 */
export class TokenGuard {
  readonly ledger: SpendLedger;
  readonly limiter: RateLimiter;

  constructor(
    /** The live token entries, to find a record's token by name (for its tokens per minute). */
    private readonly byName: () => ReadonlyMap<string, TokenEntry>,
    private readonly now: () => number = Date.now,
  ) {
    this.ledger = new SpendLedger(now);
    this.limiter = new RateLimiter(now);
  }

  readonly observe = (r: TraceRecord): void => {
    this.ledger.observe(r);
    if (r.token_name && this.byName().get(r.token_name)?.tpm !== undefined) this.limiter.used(r.token_name, (r.input_tokens ?? 0) + (r.output_tokens ?? 0));
  };

  /** The refusal for this request, or what it is admitted with. */
  admit(entry: TokenEntry): ApiError | Admitted {
    const now = this.now();
    // Authentication refuses it first; checked here too for callers that hold an entry already.
    const late = expired(entry, now);
    if (late) return late;
    const over: Period[] = [];
    if (entry.budget) {
      const spend = this.ledger.get(entry.name);
      for (const b of budgetUse(entry, spend)) {
        if (b.spent < b.limit) continue;
        if (entry.budget.soft) {
          over.push(b.period);
          continue;
        }
        const reset = resetsAt(b.period, now);
        return new ApiError(
          "insufficient_quota",
          `Token '${entry.name}' has used its ${b.period === "total" ? "total" : `${b.period === "day" ? "daily" : "monthly"}`} budget: ${usd(b.spent)} of ${usd(b.limit)}. ${
            reset ? `It resets at ${reset} (UTC).` : "It does not reset; raise it with `opentracy tokens update`."
          }`,
          null,
          // Retrying cannot help before the reset; the OpenAI and Anthropic SDKs honour this and do not retry.
          { "x-should-retry": "false" },
        );
      }
    }
    if (entry.rpm !== undefined || entry.tpm !== undefined) {
      const r = this.limiter.admit(entry.name, entry.rpm, entry.tpm);
      if (r) {
        const what = r.limit === "rpm" ? `${entry.rpm} requests per minute` : `${entry.tpm} tokens per minute`;
        return new ApiError("rate_limit_exceeded", `Token '${entry.name}' is limited to ${what}; retry in ${r.retryAfterS} s.`, null, {
          "retry-after": String(r.retryAfterS),
        });
      }
    }
    return { over };
  }
}
