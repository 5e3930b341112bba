/**
 * Per-target circuit breaker, per engine process. `failures` consecutive failures open the
 * circuit for `periodMs`: the target is skipped. After the period one request probes it
 * (half-open); success closes the circuit, failure opens it again for another period.
 */
export interface TargetState {
  state: "closed" | "open" | "half-open";
  consecutive_failures: number;
  /** ISO time the circuit closes to probing; null when closed. */
  open_until: string | null;
  last_error: string | null;
}

interface Entry {
  failures: number;
  openUntil: number;
  lastError: string | null;
}

export class TargetHealth {
  private entries = new Map<string, Entry>();

  constructor(private readonly limits: () => { failures: number; period_ms: number }) {}

  /** false while the circuit is open; a half-open target is available (that request is the probe). */
  available(ref: string, now = Date.now()): boolean {
    const e = this.entries.get(ref);
    return !e || e.openUntil <= now;
  }

  success(ref: string): void {
    this.entries.delete(ref);
  }

  failure(ref: string, error: string, now = Date.now()): void {
    const { failures, period_ms } = this.limits();
    const e = this.entries.get(ref) ?? { failures: 0, openUntil: 0, lastError: null };
    e.failures++;
    e.lastError = error;
    if (e.failures >= failures) e.openUntil = now + period_ms;
    this.entries.set(ref, e);
  }

  state(ref: string, now = Date.now()): TargetState {
    const e = this.entries.get(ref);
    if (!e) return { state: "closed", consecutive_failures: 0, open_until: null, last_error: null };
    const open = e.openUntil > now;
    const tripped = e.failures >= this.limits().failures;
    return {
      state: open ? "open" : tripped ? "half-open" : "closed",
      consecutive_failures: e.failures,
      open_until: e.openUntil ? new Date(e.openUntil).toISOString() : null,
      last_error: e.lastError,
    };
  }

  /** Every target that has failed since its last success. */
  snapshot(now = Date.now()): Record<string, TargetState> {
    const out: Record<string, TargetState> = {};
    for (const ref of this.entries.keys()) out[ref] = this.state(ref, now);
    return out;
  }
}
