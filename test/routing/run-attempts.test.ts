import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { ApiError, toWire } from "../../src/errors/vocabulary.ts";
import { openaiCompatible } from "../../src/providers/openai-compatible.ts";
import type { MappedError } from "../../src/providers/types.ts";
import type { AttemptResult, PreparedTarget } from "../../src/routing/attempt.ts";
import { TargetHealth } from "../../src/routing/health.ts";
import { type PlannedTarget, planRoute } from "../../src/routing/plan.ts";
import { type AttemptRecorder, runAttempts, waitUnlessAborted } from "../../src/routing/run-attempts.ts";

// The attempt loop without HTTP: each target answers from a script, time is a counter, waits are recorded.

type Scripted = number | "refused" | "client-gone";

const upstreamError = (status: number, headers: Record<string, string> = {}): MappedError => ({
  status,
  error: { message: `HTTP ${status}`, type: status === 429 ? "rate_limit_error" : "api_error", param: null, code: null },
  headers,
});

function harness(scripts: Record<string, Scripted[]>, opts: { retryAfter?: string; missingKey?: string[] } = {}) {
  const calls: string[] = [];
  const waits: number[] = [];
  let clock = 1_000_000;
  const health = new TargetHealth(() => ({ failures: 3, period_ms: 30_000 }));
  const recorded: Array<[string, number | null, string | null, string]> = [];
  const starts: number[] = [];
  let current = "";
  const recorder: AttemptRecorder = {
    onTarget: (provider, model) => void (current = `${provider}/${model}`),
    attempt: (status, errorType, kind, t0) => {
      recorded.push([current, status, errorType, kind]);
      starts.push(t0);
    },
  };
  const deps = {
    health,
    now: () => clock,
    prepare: (planned: PlannedTarget): PreparedTarget | MappedError =>
      opts.missingKey?.includes(planned.ref)
        ? toWire(new ApiError("missing_api_key", `no key for ${planned.provider.name}`))
        : {
            adapter: openaiCompatible,
            target: { provider: planned.provider, model: planned.model, baseUrl: "http://x", key: "k", headers: {} },
          },
    attempt: async ({ target }: PreparedTarget, _request: null): Promise<AttemptResult> => {
      const ref = `${target.provider.name}/${target.model}`;
      calls.push(ref);
      const next = scripts[ref]?.shift() ?? 200;
      if (next === "client-gone") return { ok: false, clientGone: true };
      if (next === "refused") return { ok: false, status: null, mapped: toWire(new ApiError("upstream_unreachable", "refused")) };
      if (next === 200) return { ok: true, status: 200, completion: { id: "c", choices: [] } as any, text: null };
      return { ok: false, status: next, mapped: upstreamError(next, opts.retryAfter ? { "retry-after": opts.retryAfter } : {}) };
    },
    wait: async (ms: number) => {
      waits.push(ms);
      clock += ms;
      return true;
    },
  };
  return { calls, waits, recorded, starts, health, deps, recorder, now: () => clock };
}

const plan = (targets: string[], retry: object = {}) =>
  planRoute("s", Config.parse({ aliases: { s: { targets } }, routing: { retry: { backoff_base_ms: 10, backoff_max_ms: 10, ...retry } } }));

describe("runAttempts", () => {
  test("a transient failure is retried on the same target, then the answer is returned", async () => {
    const h = harness({ "openai/a": [503, 200] });
    const out = await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(out.ok).toBe(true);
    expect(h.calls).toEqual(["openai/a", "openai/a"]);
    expect(h.recorded).toEqual([
      ["openai/a", 503, "api_error", "first"],
      ["openai/a", 200, null, "retry"],
    ]);
    expect(h.waits).toHaveLength(1);
    expect(h.waits[0]).toBeLessThan(10);
  });

  test("a failure tied to the target (401, 404) goes straight to the next target", async () => {
    const h = harness({ "openai/a": [401] });
    const out = await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(out.ok).toBe(true);
    expect(h.calls).toEqual(["openai/a", "groq/b"]);
    expect(h.recorded.map((r) => r[3])).toEqual(["first", "fallback"]);
    expect(h.waits).toEqual([]);
  });

  test("a request wrong in itself (400) is answered at once with the upstream's error", async () => {
    const h = harness({ "openai/a": [400] });
    const out = await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(out).toEqual({ ok: false, error: upstreamError(400) });
    expect(h.calls).toEqual(["openai/a"]);
    // A client's mistake says nothing about the target's health.
    expect(h.health.snapshot()).toEqual({});
  });

  test("a target without credentials is recorded and skipped without a call", async () => {
    const h = harness({}, { missingKey: ["openai/a"] });
    const out = await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(out.ok).toBe(true);
    expect(h.calls).toEqual(["groq/b"]);
    expect(h.recorded[0]).toEqual(["openai/a", 401, "authentication_error", "first"]);
  });

  test("each attempt is recorded with its own start, a target without credentials included", async () => {
    const h = harness({ "groq/b": [503, 200] }, { missingKey: ["openai/a"] });
    const before = performance.now();
    await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    const after = performance.now();
    expect(h.recorded.map((r) => r[3])).toEqual(["first", "fallback", "retry"]);
    // Not the request's start (which the recorder would fall back to): each is taken as its attempt begins.
    expect(h.starts).toHaveLength(3);
    for (const t of h.starts) expect(t >= before && t <= after).toBe(true);
    expect([...h.starts].sort((x, y) => x - y)).toEqual(h.starts);
  });

  test("every target failing returns the last error; each failure counts toward cooldown", async () => {
    const h = harness({ "openai/a": ["refused", "refused"], "groq/b": [502, 502] });
    const out = await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(out.ok).toBe(false);
    if (!out.ok && "error" in out) expect(out.error.status).toBe(502);
    expect(h.calls).toEqual(["openai/a", "openai/a", "groq/b", "groq/b"]);
    expect(h.health.state("openai/a").consecutive_failures).toBe(2);
    expect(h.health.state("groq/b").consecutive_failures).toBe(2);
  });

  test("a target in cooldown is skipped, unless every target is", async () => {
    const h = harness({});
    for (let i = 0; i < 3; i++) h.health.failure("openai/a", "down");
    await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(h.calls).toEqual(["groq/b"]);
    for (let i = 0; i < 3; i++) h.health.failure("groq/b", "down");
    await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(h.calls).toEqual(["groq/b", "openai/a"]);
  });

  test("the upstream's Retry-After is the wait; one longer than the policy allows moves on at once", async () => {
    const short = harness({ "openai/a": [429, 200] }, { retryAfter: "2" });
    await runAttempts(plan(["openai/a"]), null, short.deps, new AbortController().signal, short.recorder, short.now());
    expect(short.waits).toEqual([2000]);
    const long = harness({ "openai/a": [429] }, { retryAfter: "600" });
    await runAttempts(plan(["openai/a", "groq/b"]), null, long.deps, new AbortController().signal, long.recorder, long.now());
    expect(long.waits).toEqual([]);
    expect(long.calls).toEqual(["openai/a", "groq/b"]);
  });

  test("no retry starts past the plan's deadline", async () => {
    const h = harness({ "openai/a": [429, 429, 429] }, { retryAfter: "2" });
    const p = plan(["openai/a"], { max_attempts: 3, deadline_ms: 3_000 });
    await runAttempts(p, null, h.deps, new AbortController().signal, h.recorder, h.now());
    // The first wait (2 s) fits in 3 s; the second would end at 4 s.
    expect(h.calls).toEqual(["openai/a", "openai/a"]);
    expect(h.waits).toEqual([2000]);
  });

  test("the client leaving during an attempt ends the loop, recorded as client_disconnected", async () => {
    const h = harness({ "openai/a": ["client-gone"] });
    const out = await runAttempts(plan(["openai/a", "groq/b"]), null, h.deps, new AbortController().signal, h.recorder, h.now());
    expect(out).toEqual({ ok: false, clientGone: true });
    expect(h.calls).toEqual(["openai/a"]);
    expect(h.recorded).toEqual([["openai/a", null, "client_disconnected", "first"]]);
  });

  test("the client's abort reaches the attempt's own signal while it runs", async () => {
    const client = new AbortController();
    const h = harness({});
    let seen: AbortSignal | null = null;
    const deps = {
      ...h.deps,
      attempt: async (_p: PreparedTarget, _request: null, abort: AbortController): Promise<AttemptResult> => {
        seen = abort.signal;
        client.abort();
        return { ok: false, clientGone: true };
      },
    };
    await runAttempts(plan(["openai/a"]), null, deps, client.signal, h.recorder, h.now());
    expect(seen!.aborted).toBe(true);
  });
});

describe("waitUnlessAborted", () => {
  test("resolves true after the wait, false at once when the signal fires", async () => {
    expect(await waitUnlessAborted(1, new AbortController().signal)).toBe(true);
    const c = new AbortController();
    const pending = waitUnlessAborted(60_000, c.signal);
    c.abort();
    expect(await pending).toBe(false);
    expect(await waitUnlessAborted(60_000, c.signal)).toBe(false);
  });
});
