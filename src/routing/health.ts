/**
 * Per-target cooldown, per engine process. `failures` consecutive failures make a target cool
 * down for `periodMs`: it is skipped. After the period the next request tries it again; success
 * makes it ok, failure starts another cooldown.
 *
 * The state names are part of `/health` and are meant to be read by people as well as scripts,
 * so they say what happens ("cooling_down") rather than use circuit-breaker terms.
 */
export type HealthState = "ok" | "cooling_down" | "trying_again";

export interface TargetState {
  state: HealthState;
  consecutive_failures: number;
  /** ISO time the cooldown ends (the target is tried again); null when it never cooled down. */
  cooling_until: string | null;
  last_error: string | null;
}

/**
 * The clock cooldowns run on: monotonic, so a wall-clock step (a laptop waking up, NTP) neither
 * ends a cooldown early nor stretches it by the size of the step; `wall` turns one of its instants
 * into epoch ms, once per cooldown, only to show people when it ends.
 */
export interface HealthClock {
  now(): number;
  wall(t: number): number;
}

export const MONOTONIC: HealthClock = { now: () => performance.now(), wall: (t) => Date.now() + (t - performance.now()) };

interface Entry {
  failures: number;
  coolingUntil: number;
  /** Epoch ms of the same instant, fixed when the cooldown starts so every view shows one time. */
  coolingUntilWall: number;
  lastError: string | null;
}

export class TargetHealth {
  private entries = new Map<string, Entry>();

  /** `onChange` hears a target start cooling down and become ok again (the engine logs both). */
  constructor(
    private readonly limits: () => { failures: number; period_ms: number },
    private readonly onChange: ((ref: string, state: TargetState) => void) | null = null,
    private readonly clock: HealthClock = MONOTONIC,
  ) {}

  /** false while the target cools down; once the period is over, the next request is the one that tries it again. */
  available(ref: string, now = this.clock.now()): boolean {
    const e = this.entries.get(ref);
    return !e || e.coolingUntil <= now;
  }

  success(ref: string): void {
    const e = this.entries.get(ref);
    if (!e) return;
    this.entries.delete(ref);
    if (e.coolingUntil) this.onChange?.(ref, this.state(ref));
  }

  failure(ref: string, error: string, now = this.clock.now()): void {
    const { failures, period_ms } = this.limits();
    const e = this.entries.get(ref) ?? { failures: 0, coolingUntil: 0, coolingUntilWall: 0, lastError: null };
    e.failures++;
    e.lastError = error;
    this.entries.set(ref, e);
    if (e.failures >= failures) {
      e.coolingUntil = now + period_ms;
      e.coolingUntilWall = this.clock.wall(now) + period_ms;
      this.onChange?.(ref, this.state(ref, now));
    }
  }

  state(ref: string, now = this.clock.now()): TargetState {
    const e = this.entries.get(ref);
    if (!e) return { state: "ok", consecutive_failures: 0, cooling_until: null, last_error: null };
    const cooling = e.coolingUntil > now;
    const tripped = e.failures >= this.limits().failures;
    return {
      state: cooling ? "cooling_down" : tripped ? "trying_again" : "ok",
      consecutive_failures: e.failures,
      cooling_until: e.coolingUntil ? new Date(e.coolingUntilWall).toISOString() : null,
      last_error: e.lastError,
    };
  }

  /** Every target that has failed since its last success. */
  snapshot(now = this.clock.now()): Record<string, TargetState> {
    const out: Record<string, TargetState> = {};
    for (const ref of this.entries.keys()) out[ref] = this.state(ref, now);
    return out;
  }
}

/**
 * A target's health in words, for people: `ok`, `cooling down (until HH:MM:SS, after 3
 * failures)`, `trying again`. `/health` names the states for scripts (`cooling_down`); the CLI's
 * tables and the engine's log say this sentence, in local time.
 */
export function healthWords(s: TargetState | undefined): string {
  if (!s || s.state === "ok") return "ok";
  if (s.state === "trying_again") return "trying again";
  const failures = `${s.consecutive_failures} failure${s.consecutive_failures === 1 ? "" : "s"}`;
  return s.cooling_until
    ? `cooling down (until ${new Date(s.cooling_until).toTimeString().slice(0, 8)}, after ${failures})`
    : `cooling down (after ${failures})`;
}

/** One line for the engine's log when a target starts cooling down or is ok again. */
export function describeHealthChange(ref: string, s: TargetState): string {
  if (s.state !== "cooling_down") return `${ref} is ok again`;
  return `${ref} is ${healthWords(s)}: ${s.last_error ?? "no error recorded"}`;
}
