import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually } from "../helpers/clickhouse.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { observations, total } from "../helpers/prometheus.ts";

// GET /metrics on a real engine: what Prometheus would scrape after real traffic from the SDK,
// checked against the traces of the same calls.
let fake: FakeOpenAI;
let engine: RunningEngine;
let token: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const groq = `http://127.0.0.1:${closed.port}/v1`;
  closed.stop(true);
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      aliases: { smart: { targets: ["groq/llama-3.3-70b-versatile", "openai/gpt-4o-mini"] } },
      routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1, period_ms: 600_000 } },
    }),
  );
  token = (await runCli(["tokens", "create", "--name", "scraper"], { home })).stdout.trim();
  engine = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, GROQ_BASE_URL: groq, GROQ_API_KEY: "gsk-x" } });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${token}` }) => fetch(`${engine.url}/metrics`, { headers });

describe("GET /metrics", () => {
  test("needs an engine token like /v1", async () => {
    const res = await scrape({});
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("invalid_api_key");
  });

  test("after real traffic, the counters equal what the traces say", async () => {
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: token, maxRetries: 0 });
    await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "one" }] });
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "two" }] });
    for await (const _ of stream);
    const fallback: any = await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "three" }] });
    expect(fallback._routing.attempts).toHaveLength(2);
    await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "four" }] }).catch(() => {});

    const text = await eventually(
      async () => {
        const t = await (await scrape()).text();
        return total(t, "opentracy_requests_total") === 4 && t;
      },
      5000,
      "four requests counted",
    );
    const traces: any[] = await eventually(
      async () => {
        const page: any = await (await fetch(`${engine.url}/api/traces`, { headers: { authorization: `Bearer ${token}` } })).json();
        return page.data.length === 4 && page.data;
      },
      5000,
      "four traces",
    );
    const sum = (f: (t: any) => number | null) => traces.reduce((s, t) => s + (f(t) ?? 0), 0);
    expect(total(text, "opentracy_requests_total", { status: "error" })).toBe(1);
    expect(total(text, "opentracy_requests_total", { alias: "smart", model: "openai/gpt-4o-mini", status: "ok" })).toBe(1);
    expect(total(text, "opentracy_tokens_total", { kind: "input" })).toBe(sum((t) => t.input_tokens));
    expect(total(text, "opentracy_tokens_total", { kind: "output" })).toBe(sum((t) => t.output_tokens));
    expect(total(text, "opentracy_cost_usd_total")).toBeCloseTo(
      sum((t) => t.cost_usd),
      12,
    );
    expect(total(text, "opentracy_token_cost_usd_total", { token: "scraper" })).toBeCloseTo(
      sum((t) => t.cost_usd),
      12,
    );
    expect(total(text, "opentracy_attempts_total", { provider: "groq", kind: "first", outcome: "error" })).toBe(1);
    expect(total(text, "opentracy_attempts_total", { provider: "openai", kind: "fallback", outcome: "ok" })).toBe(1);
    expect(total(text, "opentracy_target_cooling_down", { target: "groq/llama-3.3-70b-versatile" })).toBe(1);
    expect(observations(text, "opentracy_request_duration_seconds")).toBe(4);
    expect(observations(text, "opentracy_time_to_first_token_seconds")).toBe(1);
    // Bounded labels: nothing a client wrote (its prompt, the model it asked for) is a label.
    expect(text).not.toContain("no-such-model");
    expect(text).not.toContain("three");
  });

  test("server.metrics_public opens it to a scraper without a token", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: { metrics_public: true } }));
    await runCli(["tokens", "create", "--name", "app"], { home });
    const open = await startEngine({ home });
    try {
      const res = await fetch(`${open.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/plain");
      expect(await res.text()).toContain("# TYPE opentracy_requests_total counter");
      expect((await fetch(`${open.baseURL}/models`)).status).toBe(401);
    } finally {
      await open.stop();
    }
  });
});
