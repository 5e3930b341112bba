import type { SpendRow } from "../traces/queries.ts";
import type { TraceRecord } from "../traces/record.ts";

/** The three spend periods a token's budget may set. Day and month are UTC. */
export type Period = "day" | "month" | "total";
export const PERIODS: readonly Period[] = ["day", "month", "total"];

/** Start of the UTC day and month holding `ms`, and when each ends (when a budget for it resets). */
export function periodBounds(ms: number): { dayStart: number; dayEnd: number; monthStart: number; monthEnd: number } {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const dayStart = Date.UTC(y, m, d.getUTCDate());
  return { dayStart, dayEnd: dayStart + 86_400_000, monthStart: Date.UTC(y, m, 1), monthEnd: Date.UTC(y, m + 1, 1) };
}

/** One token's spend: USD of priced calls per period, plus the calls whose cost is unknown (counted, never priced). */
export interface TokenSpend {
  day: number;
  month: number;
  total: number;
  /** Calls with no known cost (`cost_usd` null): they count 0 toward budgets. */
  unpriced: number;
}

export type { SpendRow };

/** What the ledger needs of a trace store (both stores implement it: SQL in ClickHouse, the SQLite index locally). */
export interface SpendSource {
  spendByToken(sinceMs: number): Promise<SpendRow[]>;
}

interface Entry extends TokenSpend {
  /** The day and month (their start, epoch ms) the `day` and `month` sums are for. */
  dayStart: number;
  monthStart: number;
}

/**
 * The spend of every engine token, in memory: the one number budgets are checked against, and the
 * one `tokens list`, /api/settings/tokens and the UI show. It is the sum of the traces' `cost_usd`
 * per `token_name`: loaded from the trace store at start (`load`), then advanced by every finished
 * record (`observe`, fed by the writer's observer, the same hook as the metrics), so fallbacks,
 * retries, cut streams and every endpoint count. Checking is a map lookup: no I/O per request.
 * A period that has ended reads as 0 from the first lookup after it.
 */
export class SpendLedger {
  private readonly spend = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private entry(token: string, now: number): Entry {
    const { dayStart, monthStart } = periodBounds(now);
    let e = this.spend.get(token);
    if (!e) this.spend.set(token, (e = { day: 0, month: 0, total: 0, unpriced: 0, dayStart, monthStart }));
    if (e.dayStart !== dayStart) {
      e.day = 0;
      e.dayStart = dayStart;
    }
    if (e.monthStart !== monthStart) {
      e.month = 0;
      e.monthStart = monthStart;
    }
    return e;
  }

  readonly observe = (r: TraceRecord): void => {
    if (!r.token_name) return;
    const now = this.now();
    const e = this.entry(r.token_name, now);
    if (r.cost_usd === null) {
      // An answered call the engine could not price; refusals and failures before any answer cost nothing.
      if (r.status === "ok") e.unpriced++;
      return;
    }
    if (!r.cost_usd) return;
    // A call is charged to the day and month it started in, as the stores' queries count it.
    const started = Date.parse(r.ts_start);
    const at = Number.isNaN(started) ? now : started;
    e.total += r.cost_usd;
    if (at >= e.monthStart) e.month += r.cost_usd;
    if (at >= e.dayStart) e.day += r.cost_usd;
  };

  /** The spend of one token now (zeros for one that has spent nothing). */
  get(token: string): TokenSpend {
    const e = this.spend.get(token);
    if (!e) return { day: 0, month: 0, total: 0, unpriced: 0 };
    const { day, month, total, unpriced } = this.entry(token, this.now());
    return { day, month, total, unpriced };
  }

  /**
   * Every token's spend from the store: three grouped queries (since the start of today, of this
   * month, and ever). `merge` keeps, per period, the larger of the store's sum and the ledger's
   * own (several engines on one ClickHouse: the store has the peers' calls, the ledger this
   * engine's calls not yet written); without it the store's answer replaces the ledger's.
   */
  async load(source: SpendSource, merge = false): Promise<void> {
    const now = this.now();
    const { dayStart, monthStart } = periodBounds(now);
    const [day, month, total] = await Promise.all([source.spendByToken(dayStart), source.spendByToken(monthStart), source.spendByToken(0)]);
    const fresh = new Map<string, Entry>();
    const at = (token: string) => {
      let e = fresh.get(token);
      if (!e) fresh.set(token, (e = { day: 0, month: 0, total: 0, unpriced: 0, dayStart, monthStart }));
      return e;
    };
    for (const r of day) at(r.token).day = r.cost_usd;
    for (const r of month) at(r.token).month = r.cost_usd;
    for (const r of total) Object.assign(at(r.token), { total: r.cost_usd, unpriced: r.unpriced });
    if (!merge) this.spend.clear();
    for (const [token, e] of fresh) {
      const mine = merge ? this.spend.get(token) : undefined;
      if (mine) {
        const cur = this.entry(token, now);
        for (const k of ["day", "month", "total", "unpriced"] as const) cur[k] = Math.max(cur[k], e[k]);
      } else this.spend.set(token, e);
    }
  }
}
