import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startFakeOpenAI, streamGate, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually } from "../helpers/clickhouse.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// Budgets, rate limits, allowed models and expiry per engine token, on a real engine with the
// OpenAI fake, every token made by the real CLI.
let fake: FakeOpenAI;
let engine: RunningEngine;
let home: string;
const tokens: Record<string, string> = {};
let env: Record<string, string>;

const create = async (name: string, ...flags: string[]) => {
  const r = await runCli(["tokens", "create", "--name", name, ...flags], { home });
  expect(r.code).toBe(0);
  tokens[name] = r.stdout.trim();
};

beforeAll(async () => {
  fake = await startFakeOpenAI();
  home = tempHome();
  env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey };
  await create("admin", "--admin");
  await create("hard", "--budget-day", "0.000001", "--budget-month", "100");
  await create("soft", "--budget-total", "0.000001", "--soft");
  await create("rpm", "--rpm", "2");
  await create("tpm", "--tpm", "5");
  await create("allow", "--allow", "openai/gpt-4o-mini", "--allow", "smart");
  await create("expired", "--expires", "2020-01-01");
  await create("conc", "--budget-total", "1");
  engine = await startEngine({ home, env });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const chat = (token: string, body: Record<string, unknown> = {}) =>
  fetch(`${engine.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokens[token]}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hello there" }], ...body }),
  });
const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${engine.url}${path}`, { ...init, headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" } });
const tokenList = async () => ((await (await admin("/api/settings/tokens")).json()) as any).data as any[];
const traces = async (token: string, n: number) =>
  eventually(
    async () => {
      const page: any = await (await admin(`/api/traces?token=${token}&limit=500`)).json();
      return page.data.length === n && page.data;
    },
    5000,
    `${n} traces of ${token}`,
  ) as Promise<any[]>;

describe("per-token limits", () => {
  test("a hard budget refuses the next request with 429 insufficient_quota naming the budget, its limit and its reset", async () => {
    const first = await chat("hard");
    expect(first.status).toBe(200);
    const res = await chat("hard");
    expect(res.status).toBe(429);
    expect(res.headers.get("x-should-retry")).toBe("false");
    const body: any = await res.json();
    expect(body.error.code).toBe("insufficient_quota");
    expect(body.error.type).toBe("insufficient_quota");
    expect(body.error.message).toContain("daily budget");
    expect(body.error.message).toContain("of $0.0000");
    expect(body.error.message).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    // The OpenAI SDK raises its 429 class and does not retry (one request reached the engine's refusal).
    const sdk = new OpenAI({ baseURL: engine.baseURL, apiKey: tokens.hard });
    const err: any = await sdk.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe("insufficient_quota");
    expect(fake.requests.filter((r) => r.headers.authorization?.includes(fake.apiKey)).length).toBeGreaterThan(0);
  });

  test("/v1/messages refuses in Anthropic's shape", async () => {
    const res = await fetch(`${engine.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": tokens.hard!, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(429);
    const body: any = await res.json();
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toContain("daily budget");
  });

  test("a soft budget lets the request through, flagged by a header and a trace tag", async () => {
    expect((await chat("soft")).headers.get("x-opentracy-budget-exceeded")).toBeNull();
    const res = await chat("soft");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-opentracy-budget-exceeded")).toBe("total");
    const [newest, older] = await traces("soft", 2);
    expect(newest.tags["opentracy.budget_exceeded"]).toBe("total");
    expect(older.tags["opentracy.budget_exceeded"]).toBeUndefined();
  });

  test("requests per minute: 429 rate_limit_exceeded with Retry-After", async () => {
    expect((await chat("rpm")).status).toBe(200);
    expect((await chat("rpm")).status).toBe(200);
    const res = await chat("rpm");
    expect(res.status).toBe(429);
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    const body: any = await res.json();
    expect(body.error.code).toBe("rate_limit_exceeded");
    expect(body.error.message).toContain("2 requests per minute");
  });

  test("tokens update (the CLI) changes a running engine's limits; list shows them", async () => {
    expect((await chat("rpm")).status).toBe(429);
    const upd = await runCli(["tokens", "update", "rpm", "--rpm", "100", "--budget-month", "50", "--soft"], { home });
    expect(upd.code).toBe(0);
    expect(upd.stdout).toContain("$50.00 month, soft, 100 rpm");
    await eventually(async () => (await chat("rpm")).status === 200, 5000, "the engine reloading the token");
    const list = (await runCli(["tokens", "list"], { home })).stdout;
    expect(list).toMatch(/rpm\s.*\$0\.\d{4} of \$50\.00 month, soft, 100 rpm/);
    const cleared = await runCli(["tokens", "update", "rpm", "--clear", "budget"], { home });
    expect(cleared.stdout).toContain("100 rpm");
    expect(cleared.stdout).not.toContain("month");
    expect((await runCli(["tokens", "update", "rpm", "--rpm", "zero"], { home })).code).not.toBe(0);
    expect((await runCli(["tokens", "update", "rpm", "--budget-day", "-1"], { home })).stderr).toContain("budget.day");
  });

  test("tokens per minute count the finished calls' tokens", async () => {
    expect((await chat("tpm")).status).toBe(200);
    const res = await chat("tpm");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(((await res.json()) as any).error.message).toContain("5 tokens per minute");
  });

  test("a model outside the token's allow list is 403 model_not_allowed; one inside is served", async () => {
    const res = await chat("allow", { model: "openai/gpt-4o" });
    expect(res.status).toBe(403);
    const body: any = await res.json();
    expect(body.error.code).toBe("model_not_allowed");
    expect(body.error.message).toContain("openai/gpt-4o-mini, smart");
    expect((await chat("allow")).status).toBe(200);
    // A bare name that routes to an allowed target is allowed too.
    expect((await chat("allow", { model: "gpt-4o-mini" })).status).toBe(200);
    // Every endpoint plans through the same step: the Responses API is held to the list too.
    const responses = await fetch(`${engine.baseURL}/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.allow}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o", input: "hello there" }),
    });
    expect(responses.status).toBe(403);
    expect(((await responses.json()) as any).error.code).toBe("model_not_allowed");
  });

  test("an expired token is 401", async () => {
    const res = await chat("expired");
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("token_expired");
    // Everywhere a token signs in: the JSON API, the UI's sign-in, Prometheus.
    for (const [method, path] of [
      ["GET", "/api/traces"],
      ["POST", "/api/session"],
      ["GET", "/metrics"],
    ]) {
      const r = await fetch(`${engine.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.expired}`, "x-opentracy-csrf": "1", "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify({ token: tokens.expired }) : undefined,
      });
      expect([path, r.status]).toEqual([path, 401]);
      expect(((await r.json()) as any).error.code).toBe("token_expired");
    }
  });

  test("50 concurrent streams against a nearly spent budget overshoot it by at most the requests in flight when it ran out", async () => {
    // One call's cost, to set the budget a little above three calls' worth.
    const priced = await chat("conc", { stream: false });
    const cost = ((await priced.json()) as any)._cost as number;
    expect(cost).toBeGreaterThan(0);
    const budget = 3.5 * cost;
    expect((await admin(`/api/settings/tokens/conc`, { method: "PATCH", body: JSON.stringify({ budget: { total: budget } }) })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await chat("conc")).status).toBe(200);
    // Ten streams are held upstream (in flight, admitted: the budget is not reached yet)...
    // A gate holds one response: one each.
    const gates = Array.from({ length: 10 }, () => streamGate());
    for (const gate of gates) fake.script({ gate });
    const seen = fake.requests.length;
    const stream = async () => {
      const res = await chat("conc", { stream: true });
      await res.text();
      return res.status;
    };
    const first = Array.from({ length: 10 }, stream);
    await eventually(() => fake.requests.length === seen + 10, 5000, "ten streams upstream");
    // ...then they are let go, and forty more arrive once the first has ended (its trace recorded
    // before its last bytes): the spend is past the budget, so all forty are refused.
    for (const gate of gates) gate.releaseAll();
    await Promise.race(first);
    const streams = await Promise.all([...first, ...Array.from({ length: 40 }, stream)]);
    const admitted = streams.filter((s) => s === 200).length;
    expect(streams.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(streams.slice(10)).toEqual(Array(40).fill(429));
    const all = await traces("conc", 53);
    const ok = all.filter((t) => t.status === "ok").sort((a, b) => end(a) - end(b));
    expect(ok.length).toBe(3 + admitted);
    // The instant the spend reached the budget: the end of the call that took it there.
    let spent = 0;
    let crossed = Number.POSITIVE_INFINITY;
    for (const t of ok) {
      spent += t.cost_usd;
      if (spent >= budget && crossed === Number.POSITIVE_INFINITY) crossed = end(t);
    }
    expect(spent).toBeGreaterThanOrEqual(budget);
    const slack = 2; // ms: ts_start and latency are whole milliseconds
    // No request was admitted after the budget ran out...
    expect(ok.filter((t) => Date.parse(t.ts_start) > crossed + slack)).toEqual([]);
    // ...so the overshoot is at most the cost of the requests in flight at that instant.
    const inFlight = ok.filter((t) => Date.parse(t.ts_start) <= crossed + slack && end(t) >= crossed - slack);
    expect(spent - budget).toBeLessThanOrEqual(inFlight.reduce((s, t) => s + t.cost_usd, 0) + 1e-12);
    // And the next request is refused.
    expect((await chat("conc")).status).toBe(429);
  });

  test("the spend listed is the sum of the traces' cost, and after a restart it is loaded from the store", async () => {
    const sum = async (name: string) => {
      const page: any = await (await admin(`/api/traces?token=${name}&limit=500`)).json();
      return page.data.reduce((s: number, t: any) => s + (t.cost_usd ?? 0), 0) as number;
    };
    const before = await tokenList();
    const conc = before.find((t) => t.name === "conc");
    expect(conc.spend.total).toBeCloseTo(await sum("conc"), 12);
    expect(conc.budget.total).toBeGreaterThan(0);
    expect(before.find((t) => t.name === "soft").spend.total).toBeCloseTo(await sum("soft"), 12);

    // The CLI reads the same sums from the same store.
    const listed = (await runCli(["tokens", "list", "--json"], { home })).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(listed.find((t: any) => t.name === "conc").spend.total).toBeCloseTo(conc.spend.total, 12);

    await engine.stop();
    engine = await startEngine({ home, env });
    const after = await tokenList();
    for (const name of ["conc", "soft", "hard"]) {
      expect(after.find((t) => t.name === name).spend.total).toBeCloseTo(before.find((t) => t.name === name).spend.total, 12);
    }
    // And the check uses it: the hard budget still refuses.
    expect((await chat("hard")).status).toBe(429);
  });

  test("Prometheus has each token's budget use", async () => {
    const text = await (await admin("/metrics")).text();
    const line = text.split("\n").find((l) => l.startsWith('opentracy_token_budget_ratio{token="conc",period="total"}'));
    expect(line).toBeDefined();
    expect(Number(line!.split(" ").at(-1))).toBeGreaterThanOrEqual(1);
  });
});

const end = (t: any) => Date.parse(t.ts_start) + t.latency_ms;
