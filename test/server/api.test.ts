import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serverError, startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { eventually } from "../helpers/clickhouse.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { listenLive } from "../helpers/live.ts";

let fake: FakeOpenAI;
let engine: RunningEngine;
let bot: string;
let admin: string;
const env = () => ({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey });

async function createToken(home: string, args: string[]): Promise<string> {
  const r = await runCli(["tokens", "create", ...args], { home });
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

const chat = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${engine.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "find the lighthouse" }], ...body }),
  });

const api = async (path: string, token?: string) => {
  const res = await fetch(`${engine.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as any };
};

const ids: Record<string, string> = {};

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const home = tempHome();
  bot = await createToken(home, ["--name", "ci-bot"]);
  admin = await createToken(home, ["--name", "ops", "--admin"]);
  engine = await startEngine({ home, env: env() });
  const a = await chat(bot, {}, { "X-OpenTracy-User": "alice", "X-OpenTracy-Session-Id": "s1", "X-OpenTracy-Tags": "env=prod, feature=search,broken" });
  ids.a = a.headers.get("x-opentracy-trace-id")!;
  await a.text();
  const b = await chat(admin, { user: "bob", metadata: { team: "ml", n: 3 } }, { "X-OpenTracy-User": "carol", "X-OpenTracy-Tags": "env=dev" });
  ids.b = b.headers.get("x-opentracy-trace-id")!;
  await b.text();
  const c = await chat(bot, { model: "nowhere/none" }, { "X-OpenTracy-Session-Id": "s1" });
  expect(c.status).toBe(404);
  ids.c = c.headers.get("x-opentracy-trace-id") ?? "";
  await c.text();
  const many = Array.from({ length: 50 }, (_, i) => `k${i}=v`).join(",");
  const d = await chat(bot, {}, { "X-OpenTracy-User": "x".repeat(1000), "X-OpenTracy-Tags": many });
  ids.d = d.headers.get("x-opentracy-trace-id")!;
  await d.text();
  // The index is fed by the background writer: wait until all four are queryable.
  await eventually(async () => (await api("/api/traces", admin)).body.data?.length === 4, 10_000, "four traces indexed");
});
afterAll(async () => {
  await engine?.stop();
  fake?.close();
});

describe("trace metadata", () => {
  test("read from the headers and the body, capped, and never forwarded as headers", async () => {
    const [a, b, c, d] = await Promise.all([ids.a, ids.b, ids.c, ids.d].map((id) => api(`/api/traces/${id}`, admin)));
    expect(a.body).toMatchObject({ user: "alice", session_id: "s1", tags: { env: "prod", feature: "search" }, token_name: "ci-bot" });
    // The body's user wins (it is what the upstream sees); metadata strings join the header's tags.
    expect(b.body).toMatchObject({ user: "bob", session_id: null, tags: { env: "dev", team: "ml" }, token_name: "ops" });
    expect(c.body).toMatchObject({ status: "error", session_id: "s1", error_type: "invalid_request_error", http_status: 404 });
    expect(d.body.user).toHaveLength(256);
    expect(Object.keys(d.body.tags)).toHaveLength(32);

    const sent = fake.requests.filter((r) => r.path.endsWith("/chat/completions"));
    expect(sent).toHaveLength(3);
    for (const r of sent) expect(Object.keys(r.headers).filter((h) => h.startsWith("x-opentracy"))).toEqual([]);
    // Body fields are the client's own and go upstream as it wrote them; headers add nothing to the body.
    expect(sent[0].body).not.toHaveProperty("user");
    expect(sent[0].body).not.toHaveProperty("metadata");
    expect(sent[1].body).toMatchObject({ user: "bob", metadata: { team: "ml", n: 3 } });
  });
});

describe("GET /api/traces", () => {
  test("admin sees all, newest first, as summary rows; a cursor walks them once", async () => {
    const all = await api("/api/traces", admin);
    expect(all.status).toBe(200);
    expect(all.body.data.map((r: any) => r.id)).toEqual([ids.d, ids.c, ids.b, ids.a]);
    expect(all.body.next_cursor).toBeNull();
    expect(Object.keys(all.body.data[3]).sort()).toEqual(
      [
        "id",
        "ts_start",
        "requested_model",
        "selected_model",
        "alias",
        "provider",
        "status",
        "http_status",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_ms",
        "ttft_ms",
        "token_name",
        "user",
        "session_id",
        "tags",
        "error_type",
      ].sort(),
    );
    const walked: string[] = [];
    let path = "/api/traces?limit=1";
    for (let i = 0; i < 10; i++) {
      const page = await api(path, admin);
      walked.push(...page.body.data.map((r: any) => r.id));
      if (!page.body.next_cursor) break;
      path = `/api/traces?limit=1&cursor=${page.body.next_cursor}`;
    }
    expect(walked).toEqual([ids.d, ids.c, ids.b, ids.a]);
  });

  test("filters: user, session, tag, status, model, free text", async () => {
    const idsOf = async (q: string) => (await api(`/api/traces?${q}`, admin)).body.data.map((r: any) => r.id);
    expect(await idsOf("user=alice")).toEqual([ids.a]);
    expect(await idsOf("session=s1")).toEqual([ids.c, ids.a]);
    expect(await idsOf("tag=env%3Dprod")).toEqual([ids.a]);
    expect(await idsOf("tag=team=ml")).toEqual([ids.b]);
    expect(await idsOf("status=error")).toEqual([ids.c]);
    expect(await idsOf("model=nowhere/none")).toEqual([ids.c]);
    expect(await idsOf("token=ops")).toEqual([ids.b]);
    expect(await idsOf("q=LIGHTHOUSE&provider=openai")).toEqual([ids.d, ids.b, ids.a]);
    expect(await idsOf(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
  });

  test("a non-admin token sees only its own traces", async () => {
    const mine = await api("/api/traces", bot);
    expect(mine.body.data.map((r: any) => r.id)).toEqual([ids.d, ids.c, ids.a]);
    // Asking for another token's traces changes nothing.
    expect((await api("/api/traces?token=ops", bot)).body.data.map((r: any) => r.id)).toEqual([ids.d, ids.c, ids.a]);
    const other = await api(`/api/traces/${ids.b}`, bot);
    expect(other.status).toBe(404);
    expect(other.body.error).toMatchObject({ code: "trace_not_found", type: "invalid_request_error" });
    expect((await api(`/api/traces/${ids.a}`, bot)).body.id).toBe(ids.a);
  });

  test("errors in OpenAI's shape: no token 401, bad parameter 400, unknown trace 404", async () => {
    for (const path of ["/api/traces", `/api/traces/${ids.a}`, "/api/activity"]) {
      const r = await api(path);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("invalid_api_key");
    }
    expect((await api("/api/traces", "otk_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).status).toBe(401);
    const bad = await api("/api/traces?status=maybe", admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_value", param: "status" });
    expect((await api("/api/traces?cursor=nonsense", admin)).body.error).toMatchObject({ code: "invalid_value", param: "cursor" });
    expect((await api("/api/traces?limit=0", admin)).body.error).toMatchObject({ code: "invalid_value", param: "limit" });
    expect((await api("/api/traces?colour=red", admin)).status).toBe(400);
    // Beside the stored record, today's rates for the model that answered (none for one that never did).
    expect((await api(`/api/traces/${ids.a}`, admin)).body._price_per_million).toEqual({ input: 2.5, output: 10, cache_read: 1.25 });
    expect((await api(`/api/traces/${ids.c}`, admin)).body._price_per_million).toBeNull();
    const missing = await api("/api/traces/no-such-id", admin);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("trace_not_found");
  });
});

describe("GET /api/activity", () => {
  test("totals are the sums of the traces; a non-admin token's only its own", async () => {
    const records = await Promise.all([ids.a, ids.b, ids.c, ids.d].map(async (id) => (await api(`/api/traces/${id}`, admin)).body));
    const cost = records.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    expect(cost).toBeGreaterThan(0);
    const all = await api("/api/activity?bucket=minute&by=token", admin);
    expect(all.status).toBe(200);
    expect(all.body.totals).toMatchObject({ requests: 4, errors: 1 });
    expect(all.body.totals.cost_usd).toBeCloseTo(cost, 12);
    expect(all.body.buckets.reduce((s: number, b: any) => s + b.requests, 0)).toBe(4);
    expect(all.body.breakdown).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: "ci-bot", requests: 3, errors: 1 }), expect.objectContaining({ key: "ops", requests: 1 })]),
    );
    const mine = await api("/api/activity?by=user", bot);
    expect(mine.body.totals.requests).toBe(3);
    expect(mine.body.totals.cost_usd).toBeCloseTo(
      records.filter((r) => r.token_name === "ci-bot").reduce((s, r) => s + (r.cost_usd ?? 0), 0),
      12,
    );
    expect((await api("/api/activity?bucket=minute&since=2020-01-01T00:00:00Z", admin)).body.error).toMatchObject({ code: "invalid_value", param: "bucket" });
  });

  test("by=tag&tag_key=env: one row per value of that tag only", async () => {
    const envs = await api("/api/activity?by=tag&tag_key=env", admin);
    expect(envs.status).toBe(200);
    expect(envs.body.breakdown.map((b: any) => [b.key, b.requests]).sort()).toEqual([
      ["env=dev", 1],
      ["env=prod", 1],
    ]);
    expect(envs.body.totals.requests).toBe(4);
    expect((await api("/api/activity?by=model&tag_key=env", admin)).body.error).toMatchObject({ code: "invalid_value", param: "tag_key" });
  });
});

describe("GET /api/traces/live", () => {
  const listen = (token?: string) => listenLive(engine.url, token ? { authorization: `Bearer ${token}` } : {});

  test("one event per finished trace, the /api/traces row; a non-admin token sees only its own", async () => {
    const [all, mine] = await Promise.all([listen(admin), listen(bot)]);
    expect(all.res.status).toBe(200);
    expect(all.res.headers.get("content-type")).toBe("text/event-stream");
    const fromBot = (await chat(bot, {}, { "X-OpenTracy-Tags": "live=yes" })).headers.get("x-opentracy-trace-id");
    const fromAdmin = (await chat(admin, {})).headers.get("x-opentracy-trace-id");
    await eventually(async () => all.events.length === 2 && mine.events.length === 1, 5000, "live events");
    expect(all.events.map((e) => e.id)).toEqual([fromBot, fromAdmin]);
    expect(mine.events.map((e) => e.id)).toEqual([fromBot]);
    // The same keys as a row of GET /api/traces.
    const row = (await api("/api/traces?limit=1", admin)).body.data[0];
    expect(Object.keys(all.events[1]).sort()).toEqual(Object.keys(row).sort());
    expect(mine.events[0]).toMatchObject({ token_name: "ci-bot", tags: { live: "yes" }, status: "ok" });
    await Promise.all([all.close(), mine.close()]);
  });

  test("needs a token like the rest of /api/", async () => {
    const r = await api("/api/traces/live");
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("invalid_api_key");
  });
});

describe("the local index", () => {
  test("deleted while the engine is down: rebuilt from the JSON lines on the next start", async () => {
    await engine.stop();
    for (const f of ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"]) rmSync(join(engine.home, "traces", f), { force: true });
    engine = await startEngine({ home: engine.home, env: env() });
    // The four of beforeAll and the two of the live test.
    await eventually(async () => (await api("/api/traces", admin)).body.data?.length === 6, 10_000, "traces re-indexed");
    expect((await api("/api/traces?user=alice", admin)).body.data.map((r: any) => r.id)).toEqual([ids.a]);
    expect((await api(`/api/traces/${ids.b}`, admin)).body.tags).toEqual({ env: "dev", team: "ml" });
  });
});

describe("traces off", () => {
  test("/api/ says the engine keeps no traces", async () => {
    const off = await startEngine({ env: { ...env(), OPENTRACY_TRACES: "off" } });
    try {
      const res = await fetch(`${off.url}/api/traces`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).error).toMatchObject({ code: "traces_unavailable", type: "api_error" });
      expect((await fetch(`${off.url}/api/traces/live`)).status).toBe(503);
      // The engine's health needs no store.
      const status = await fetch(`${off.url}/api/engine`);
      expect(status.status).toBe(200);
      expect(((await status.json()) as any).traces).toMatchObject({ sink: "off", state: "off" });
    } finally {
      await off.stop();
    }
  });
});

describe("GET /api/activity: cache savings by model", () => {
  test("each model's cached tokens, and what they saved against its input rate (catalogue, or config.json's prices)", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // gpt-4o at our own rates; gpt-4o-mini at the catalogue's ($0.15 input, $0.075 cache reads per million).
    writeFileSync(join(home, "config.json"), JSON.stringify({ prices: { "openai/gpt-4o": { input: 3, output: 10, cache_read: 1 } } }));
    const own = await startEngine({ home, env: { ...env(), GROQ_BASE_URL: fake.url, GROQ_API_KEY: fake.apiKey } });
    try {
      const since = Date.now() - 1000;
      const call = async (model: string, prompt: number, cached: number) => {
        fake.script({ usage: { prompt_tokens: prompt, cached_tokens: cached } });
        const res = await fetch(`${own.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, messages: [{ role: "user", content: "cache me" }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
      };
      await call("openai/gpt-4o-mini", 1000, 600);
      await call("openai/gpt-4o-mini", 800, 600);
      await call("openai/gpt-4o", 2000, 1000);
      await call("groq/gpt-4o-mini", 900, 500); // no price for it at groq: nothing to say about savings
      const get = async (by: string) => (await fetch(`${own.url}/api/activity?since=${since}&by=${by}`)).json() as Promise<any>;
      await eventually(async () => (await get("model")).totals.requests === 4, 10_000, "four traces indexed");
      const a = await get("model");
      const row = (key: string) => a.breakdown.find((r: any) => r.key === key);
      expect(row("openai/gpt-4o-mini")).toMatchObject({ requests: 2, cached_tokens: 1200, cache_savings_usd: 0.00009 }); // 1200 × (0.15 − 0.075) / 1e6
      expect(row("openai/gpt-4o")).toMatchObject({ cached_tokens: 1000, cache_savings_usd: 0.002 }); // 1000 × (3 − 1) / 1e6
      expect(row("groq/gpt-4o-mini")).toMatchObject({ cached_tokens: 500, cache_savings_usd: null });
      expect(a.totals).toMatchObject({ cached_tokens: 2700, cache_savings_usd: 0.00209 });
      // Only models have a price: other groupings carry the tokens, not a saving.
      const byProvider = await get("provider");
      expect(byProvider.breakdown.find((r: any) => r.key === "openai")).toMatchObject({ cached_tokens: 2200 });
      expect(byProvider.breakdown.every((r: any) => !("cache_savings_usd" in r))).toBe(true);
      expect("cache_savings_usd" in byProvider.totals).toBe(false);
    } finally {
      await own.stop();
    }
  });
});

describe("GET /api/engine", () => {
  test("the sink, the aliases with their targets' health, the providers with a key and where it comes from; never a key", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(home, "config.json"),
      JSON.stringify({
        aliases: { smart: { targets: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"] } },
        routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1, period_ms: 60_000 } },
      }),
    );
    const ops = await createToken(home, ["--name", "ops", "--admin"]);
    const app = await createToken(home, ["--name", "app"]);
    const own = await startEngine({ home, env: env() });
    try {
      fake.script(serverError());
      const failed = await fetch(`${own.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${app}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "smart", messages: [{ role: "user", content: "hi" }] }),
      });
      await failed.text();
      expect(failed.status).toBe(401); // the fallback has no key: its error is the last one

      expect((await fetch(`${own.url}/api/engine`)).status).toBe(401);
      const res = await fetch(`${own.url}/api/engine`, { headers: { authorization: `Bearer ${ops}` } });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).not.toContain(fake.apiKey);
      const body = JSON.parse(text);
      expect(body.providers).toEqual([{ name: "openai", key_source: "OPENAI_API_KEY" }]);
      expect(body.aliases).toHaveLength(1);
      expect(body.aliases[0]).toMatchObject({ name: "smart", strategy: "fallback" });
      expect(body.aliases[0].targets.map((t: any) => [t.ref, t.callable, t.state, t.consecutive_failures])).toEqual([
        ["openai/gpt-4o", true, "cooling_down", 1],
        ["anthropic/claude-sonnet-4-5", false, "ok", 0],
      ]);
      expect(body.aliases[0].targets[0].last_error).toContain("openai");
      expect(Object.keys(body.failing_targets)).toEqual(["openai/gpt-4o"]);
      expect(body.traces).toMatchObject({ sink: "file", state: "ok", dropped: 0 });
      expect(body.uptime_s).toBeGreaterThanOrEqual(0);

      // Any signed-in token may look; only an admin gets the sink's last error.
      const mine = await fetch(`${own.url}/api/engine`, { headers: { authorization: `Bearer ${app}` } });
      expect(mine.status).toBe(200);
      expect(((await mine.json()) as any).traces.last_error).toBeNull();
    } finally {
      await own.stop();
    }
  });
});
