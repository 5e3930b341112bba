/** Requests and tokens per minute: the window each limit counts over. */
export const RATE_WINDOW_MS = 60_000;

/** One token's events in the last window, oldest first: [when, amount]. */
class Window {
  private readonly at: number[] = [];
  private readonly amounts: number[] = [];
  private head = 0;
  sum = 0;

  add(ms: number, amount: number): void {
    this.at.push(ms);
    this.amounts.push(amount);
    this.sum += amount;
  }

  /** Drops what is older than the window; returns when the oldest kept event leaves it (or null). */
  prune(now: number, windowMs: number): void {
    while (this.head < this.at.length && this.at[this.head]! <= now - windowMs) {
      this.sum -= this.amounts[this.head]!;
      this.head++;
    }
    // Compact now and then, so a busy token's arrays do not grow without end.
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at.splice(0, this.head);
      this.amounts.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Milliseconds until enough of the window has passed for the sum to drop below `limit`. */
  waitFor(now: number, windowMs: number, limit: number): number {
    let sum = this.sum;
    for (let i = this.head; i < this.at.length; i++) {
      sum -= this.amounts[i]!;
      if (sum < limit) return Math.max(0, this.at[i]! + windowMs - now);
    }
    return windowMs;
  }
}

export interface RateRefusal {
  limit: "rpm" | "tpm";
  /** Whole seconds, at least 1: the Retry-After to send. */
  retryAfterS: number;
}

/**
 * Sliding one-minute windows per engine token, in memory (per engine process): requests are
 * counted when admitted, tokens (input + output) when the call's record is finished, so a call's
 * tokens count against the calls that follow it. The clock is injectable for tests.
 */
export class RateLimiter {
  private readonly requests = new Map<string, Window>();
  private readonly tokens = new Map<string, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = RATE_WINDOW_MS,
  ) {}

  private window(map: Map<string, Window>, token: string, now: number): Window {
    let w = map.get(token);
    if (!w) map.set(token, (w = new Window()));
    w.prune(now, this.windowMs);
    return w;
  }

  /** Admits one request for `token` under its limits (counting it), or says which limit refuses it and for how long. */
  admit(token: string, rpm: number | undefined, tpm: number | undefined): RateRefusal | null {
    const now = this.now();
    const refusal = (limit: "rpm" | "tpm", w: Window, n: number): RateRefusal => ({
      limit,
      retryAfterS: Math.max(1, Math.ceil(w.waitFor(now, this.windowMs, n) / 1000)),
    });
    if (tpm !== undefined) {
      const w = this.window(this.tokens, token, now);
      if (w.sum >= tpm) return refusal("tpm", w, tpm);
    }
    if (rpm !== undefined) {
      const w = this.window(this.requests, token, now);
      if (w.sum >= rpm) return refusal("rpm", w, rpm);
      w.add(now, 1);
    }
    return null;
  }

  /** Counts a finished call's tokens toward its engine token's tokens per minute. */
  used(token: string, tokens: number): void {
    if (tokens <= 0) return;
    const now = this.now();
    this.window(this.tokens, token, now).add(now, tokens);
  }

  /** Requests and tokens in the current window (for lists and tests). */
  usage(token: string): { requests: number; tokens: number } {
    const now = this.now();
    return { requests: this.window(this.requests, token, now).sum, tokens: this.window(this.tokens, token, now).sum };
  }
}
