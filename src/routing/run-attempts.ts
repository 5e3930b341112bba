import type { TraceAttempt } from "../traces/record.ts";
import type { AttemptResult, AttemptSuccess, PreparedTarget } from "./attempt.ts";
import type { TargetHealth } from "./health.ts";
import type { PlannedTarget, RoutePlan } from "./plan.ts";
import { backoffMs, classify, retryAfterMs } from "./policy.ts";
import type { MappedError } from "../providers/types.ts";

/** Where the attempts are written down as they happen (the request's Call, for its trace and `_routing`). */
export interface AttemptRecorder {
  /** The target the next attempts go to. */
  onTarget(provider: string, model: string): void;
  /** One finished try that started at `t0` (performance.now()): its start and latency are measured from there. */
  attempt(status: number | null, errorType: string | null, kind: TraceAttempt["kind"], t0: number): void;
}

/**
 * What the loop needs from the outside world; tests hand in fakes, the engine the real thing.
 * Built once per engine: what varies per request is the `request` handed through to `prepare`
 * and `attempt`, so the loop allocates no closures per request.
 */
export interface AttemptDeps<Req, Ok extends { ok: true; status: number } = AttemptSuccess> {
  health: Pick<TargetHealth, "available" | "success" | "failure">;
  /** The adapter and target for a planned target, or why it cannot be called (no key, say). */
  prepare(planned: PlannedTarget, request: Req): PreparedTarget | MappedError;
  /** One try, up to the point where the answer can be committed (see attemptOnce). */
  attempt(prepared: PreparedTarget, request: Req, abort: AbortController): Promise<AttemptResult<Ok>>;
  /** Waits `ms` before a retry; false when the client left meanwhile. */
  wait(ms: number, signal: AbortSignal): Promise<boolean>;
  /** The clock `startedAt` is on; performance.now() by default, which no wall-clock step moves. */
  now?(): number;
}

/** The answer to commit, the error to answer with, or the client's leaving. `abort` cancels the upstream answer: a stream's relay holds it. */
export type RunOutcome<Ok = AttemptSuccess> =
  | { ok: true; result: Ok; abort: AbortController }
  | { ok: false; error: MappedError }
  | { ok: false; clientGone: true };

/**
 * The route plan's targets in order, each tried up to `retry.max_attempts` times. A transient
 * failure is retried after a backoff (the upstream's Retry-After when it gave one); a failure tied
 * to the target moves on to the next; a request wrong in itself is answered at once. Targets in
 * cooldown are skipped unless every target is, and nothing starts past the plan's deadline.
 */
export async function runAttempts<Req, Ok extends { ok: true; status: number } = AttemptSuccess>(
  plan: RoutePlan,
  request: Req,
  deps: AttemptDeps<Req, Ok>,
  clientSignal: AbortSignal,
  record: AttemptRecorder,
  startedAt: number,
): Promise<RunOutcome<Ok>> {
  const now = deps.now ?? (() => performance.now());
  const deadline = startedAt + plan.retry.deadline_ms;
  const { health } = deps;
  // Trying a cooling target beats failing without trying.
  const available = plan.targets.filter((t) => health.available(t.ref));
  const order = available.length ? available : plan.targets;

  let lastError: MappedError | null = null;
  let kind: TraceAttempt["kind"] = "first";
  for (let ti = 0; ti < order.length; ti++) {
    const planned = order[ti];
    record.onTarget(planned.provider.name, planned.model);
    if (ti > 0) kind = "fallback";
    // A target that cannot even be prepared (no key) is still an attempt, starting here.
    const preparedAt = performance.now();
    const prepared = deps.prepare(planned, request);
    if (!("adapter" in prepared)) {
      record.attempt(prepared.status, prepared.error.type, kind, preparedAt);
      lastError = prepared;
      continue;
    }
    for (let n = 1; n <= plan.retry.max_attempts; n++) {
      if (n > 1) kind = "retry";
      const abort = new AbortController();
      // Never removed: aborting a finished attempt does nothing, a stream needs it to reach the
      // upstream, and removing it cost ~1.3 µs per request (profile.ts) for no gain.
      clientSignal.addEventListener("abort", () => abort.abort(), { once: true });
      const t0 = performance.now();
      const result = await deps.attempt(prepared, request, abort);
      if (!result.ok && "clientGone" in result) {
        record.attempt(null, "client_disconnected", kind, t0);
        return result;
      }
      if (result.ok) {
        health.success(planned.ref);
        record.attempt(result.status, null, kind, t0);
        return { ok: true, result, abort };
      }
      const { mapped, status } = result;
      record.attempt(status, mapped.error.type, kind, t0);
      lastError = mapped;
      const verdict = classify(status, mapped.error);
      if (verdict === "return") return { ok: false, error: mapped };
      health.failure(planned.ref, mapped.error.message);
      if (verdict === "fallback" || n === plan.retry.max_attempts) break;
      const wait = backoffMs(n, plan.retry, retryAfterMs(mapped.headers));
      if (wait === null || now() + wait > deadline) break;
      if (!(await deps.wait(wait, clientSignal))) return { ok: false, clientGone: true };
    }
    if (now() > deadline) break;
  }
  return { ok: false, error: lastError! };
}

/** Waits `ms`; false when the signal fires first. */
export function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
