import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { openAIError, rateLimited, serverError, startFakeOpenAI, streamGate, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

// Two OpenAI-dialect fakes stand in for two providers: `a` is openai, `b` is groq.
let a: FakeOpenAI;
let b: FakeOpenAI;
let closedUrl: string;

beforeAll(async () => {
  a = await startFakeOpenAI({ apiKey: "sk-a-1111" });
  b = await startFakeOpenAI({ apiKey: "gsk-b-2222" });
  // A port that was just free and is now closed: connection refused.
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  closedUrl = `http://127.0.0.1:${s.port}/v1`;
  s.stop(true);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

async function engineWith(config: unknown, env: Record<string, string> = {}): Promise<{ engine: RunningEngine; client: OpenAI }> {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  const engine = await startEngine({
    home,
    env: { OPENAI_BASE_URL: a.url, OPENAI_API_KEY: a.apiKey, GROQ_BASE_URL: b.url, GROQ_API_KEY: b.apiKey, ...env },
  });
  return { engine, client: new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 }) };
}

const ask = (model: string, content = "hello") => ({ model, messages: [{ role: "user" as const, content }] });
const fast = { backoff_base_ms: 1, backoff_max_ms: 5 };

describe("fallback and retries", () => {
  let engine: RunningEngine;
  let client: OpenAI;
  beforeAll(async () => {
    ({ engine, client } = await engineWith({
      aliases: { smart: { targets: ["openai/gpt-4o", "groq/gpt-4o-mini"] } },
      routing: { retry: fast, cooldown: { failures: 100 } },
    }));
  });
  afterAll(() => engine?.stop());

  test("primary fails twice with 500 → retried once, then the fallback answers; _routing shows every attempt", async () => {
    const before = { a: a.requests.length, b: b.requests.length };
    a.script(serverError({ times: 2 }));
    const res = (await client.chat.completions.create(ask("smart", "fall back please"))) as any;
    expect(res.choices[0].message.content).toContain("fall back please");
    expect(a.requests.length - before.a).toBe(2);
    expect(b.requests.length - before.b).toBe(1);
    expect(res._routing).toMatchObject({ alias: "smart", strategy: "fallback", selected_model: "groq/gpt-4o-mini", provider: "groq" });
    expect(res._routing.attempts.map((x: any) => [x.model, x.status, x.kind])).toEqual([
      ["openai/gpt-4o", 500, "first"],
      ["openai/gpt-4o", 500, "retry"],
      ["groq/gpt-4o-mini", 200, "fallback"],
    ]);
    expect(res._routing.attempts[0].error_type).toBe("server_error");
  });

  test("Retry-After is honoured before the retry on the same target", async () => {
    a.script({ ...rateLimited(0.4), times: 1 });
    const t0 = performance.now();
    const res = (await client.chat.completions.create(ask("smart"))) as any;
    const elapsed = performance.now() - t0;
    expect(res._routing.attempts.map((x: any) => [x.status, x.kind])).toEqual([
      [429, "first"],
      [200, "retry"],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    // The retry starts after the first attempt plus the wait: the gap is on the attempts' time axis.
    const [first, retry] = res._routing.attempts;
    expect(first.start_ms).toBeGreaterThanOrEqual(0);
    expect(retry.start_ms - (first.start_ms + first.latency_ms)).toBeGreaterThanOrEqual(395);
  });

  test("a 400 caused by the request is returned at once: no retry, no fallback", async () => {
    const before = { a: a.requests.length, b: b.requests.length };
    a.script(openAIError(400, "Invalid value for 'temperature'", { param: "temperature", code: "invalid_value" }));
    const err = await client.chat.completions.create(ask("smart")).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe("temperature");
    expect(a.requests.length - before.a).toBe(1);
    expect(b.requests.length - before.b).toBe(0);
  });

  test("a context-length 400 falls back to the next target", async () => {
    a.script(openAIError(400, "This model's maximum context length is 128000 tokens.", { code: "context_length_exceeded" }));
    const res = (await client.chat.completions.create(ask("smart"))) as any;
    expect(res._routing.selected_model).toBe("groq/gpt-4o-mini");
    expect(res._routing.attempts.map((x: any) => x.kind)).toEqual(["first", "fallback"]);
  });

  test("every target failing returns the last error with its status", async () => {
    a.script(serverError({ times: 2 }));
    b.script(rateLimited(120, { times: 1 }));
    const err = await client.chat.completions.create(ask("smart")).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("120");
  });

  test("fallback before the first streamed byte; the client sees one clean stream", async () => {
    a.script(serverError({ times: 2 }));
    const stream = await client.chat.completions.create({ ...ask("smart", "streamed fallback"), stream: true });
    let text = "";
    let last: any;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? "";
      last = c;
    }
    expect(text).toBe("streamed fallback");
    expect(last._routing.selected_model).toBe("groq/gpt-4o-mini");
    expect(last._routing.attempts).toHaveLength(3);
  });

  test("the trace stores the same attempts", async () => {
    a.script(serverError({ times: 2 }));
    const { response } = await client.chat.completions.create(ask("smart")).withResponse();
    const id = response.headers.get("x-opentracy-trace-id");
    await engine.stop();
    const trace = readTraces(engine.home).find((t) => t.id === id)!;
    expect(trace.attempts.map((x) => [x.model, x.status, x.kind])).toEqual([
      ["openai/gpt-4o", 500, "first"],
      ["openai/gpt-4o", 500, "retry"],
      ["groq/gpt-4o-mini", 200, "fallback"],
    ]);
    expect(trace.selected_model).toBe("groq/gpt-4o-mini");
    expect(trace.status).toBe("ok");
  });
});

describe("timeouts and broken connections", () => {
  test("connection refused falls back", async () => {
    const { engine, client } = await engineWith(
      { aliases: { s: { targets: ["openai/gpt-4o", "groq/gpt-4o-mini"] } }, routing: { retry: fast } },
      { OPENAI_BASE_URL: closedUrl },
    );
    try {
      const res = (await client.chat.completions.create(ask("s"))) as any;
      expect(res._routing.selected_model).toBe("groq/gpt-4o-mini");
      expect(res._routing.attempts.map((x: any) => [x.status, x.error_type, x.kind])).toEqual([
        [null, "upstream_error", "first"],
        [null, "upstream_error", "retry"],
        [200, null, "fallback"],
      ]);
    } finally {
      await engine.stop();
    }
  });

  test("an upstream that hangs past the first-byte timeout is abandoned for the fallback", async () => {
    const { engine, client } = await engineWith({
      aliases: { s: { targets: ["openai/gpt-4o", "groq/gpt-4o-mini"] } },
      routing: { retry: { ...fast, max_attempts: 1 }, first_byte_timeout_ms: 300 },
    });
    try {
      const gate = streamGate();
      a.script({ gate });
      const aborted = a.aborted();
      const res = (await client.chat.completions.create(ask("s"))) as any;
      expect(res._routing.attempts.map((x: any) => [x.status, x.kind])).toEqual([
        [null, "first"],
        [200, "fallback"],
      ]);
      expect(res._routing.attempts[0].latency_ms).toBeGreaterThanOrEqual(300);
      await aborted; // the hung request was really abandoned, not left open
    } finally {
      await engine.stop();
    }
  });

  test("a fallback target without a key is an attempt of its own: it starts when it is tried and takes no time", async () => {
    const { engine, client } = await engineWith({
      aliases: { s: { targets: ["openai/gpt-4o", "mistral/mistral-small-latest", "groq/gpt-4o-mini"] } },
      routing: { retry: { ...fast, max_attempts: 1 }, first_byte_timeout_ms: 300 },
    });
    try {
      a.script({ gate: streamGate() });
      const res = (await client.chat.completions.create(ask("s"))) as any;
      const [hung, keyless, answered] = res._routing.attempts;
      expect([hung.status, keyless.status, keyless.error_type, answered.status]).toEqual([null, 401, "authentication_error", 200]);
      // Measured from the request's start it would include the 300 ms the first target hung.
      expect(keyless.start_ms).toBeGreaterThanOrEqual(hung.start_ms + hung.latency_ms);
      expect(keyless.latency_ms).toBeLessThan(50);
      expect(answered.start_ms).toBeGreaterThanOrEqual(keyless.start_ms + keyless.latency_ms);
    } finally {
      await engine.stop();
    }
  });

  test("a stream that stalls after its first byte ends with an error event the client raises", async () => {
    const { engine, client } = await engineWith({ aliases: {}, routing: { idle_timeout_ms: 300 } });
    try {
      const gate = streamGate({ initial: 3 });
      a.script({ content: "one two three four five", gate });
      const stream = await client.chat.completions.create({ ...ask("openai/gpt-4o"), stream: true });
      const seen: string[] = [];
      const err = await (async () => {
        for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? "");
      })().catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(String(err.message)).toContain("sent nothing for 300 ms");
      expect(seen.join("")).not.toBe("one two three four five");
      await engine.stop();
      const trace = readTraces(engine.home).at(-1)!;
      expect(trace).toMatchObject({ status: "error", http_status: 504, error_type: "upstream_error", stream: true });
    } finally {
      await engine.stop();
    }
  });
});

describe("cooldown", () => {
  test("a dead target is skipped while it cools down and probed again after the period", async () => {
    // Long enough for a CLI subprocess to run inside the open window on a loaded machine.
    const period = 2500;
    const { engine, client } = await engineWith({
      aliases: { s: { targets: ["openai/gpt-4o", "groq/gpt-4o-mini"] } },
      routing: { retry: { ...fast, max_attempts: 1 }, cooldown: { failures: 2, period_ms: period } },
    });
    try {
      a.script(serverError({ times: 2 }));
      for (let i = 0; i < 2; i++) expect(((await client.chat.completions.create(ask("s"))) as any)._routing.attempts).toHaveLength(2);
      const health: any = await (await fetch(`${engine.url}/health`)).json();
      expect(health.routing.targets["openai/gpt-4o"]).toMatchObject({ state: "cooling_down", consecutive_failures: 2 });
      const openedAt = Date.now();

      const before = a.requests.length;
      const skipped = (await client.chat.completions.create(ask("s"))) as any;
      expect(a.requests.length).toBe(before);
      expect(skipped._routing.attempts.map((x: any) => x.model)).toEqual(["groq/gpt-4o-mini"]);

      const list = await runCli(["alias", "list", "--json"], { home: engine.home, env: { OPENTRACY_PORT: new URL(engine.url).port } });
      expect(JSON.parse(list.stdout).health).toEqual(["cooling_down", "ok"]);

      // Wait out the period on the engine's own clock, then the next request probes the primary.
      await Bun.sleep(Math.max(0, openedAt + period + 50 - Date.now()));
      const probed = (await client.chat.completions.create(ask("s"))) as any;
      expect(probed._routing.selected_model).toBe("openai/gpt-4o");
      const after: any = await (await fetch(`${engine.url}/health`)).json();
      expect(after.routing.targets).toEqual({});
    } finally {
      await engine.stop();
    }
  });
});

describe("weighted", () => {
  test("spreads requests by weight (3:1) within statistical bounds", async () => {
    const { engine, client } = await engineWith({
      aliases: {
        w: {
          strategy: "weighted",
          targets: [
            { model: "openai/gpt-4o", weight: 3 },
            { model: "groq/gpt-4o-mini", weight: 1 },
          ],
        },
      },
    });
    try {
      const n = 400;
      const counts: Record<string, number> = {};
      for (let i = 0; i < n; i += 20) {
        const batch = await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create(ask("w"))));
        for (const r of batch as any[]) counts[r._routing.selected_model] = (counts[r._routing.selected_model] ?? 0) + 1;
      }
      // Binomial(400, 0.75): mean 300, sd 8.66; ±5 sd fails a correct engine about once in 3.5 million runs.
      expect(counts["openai/gpt-4o"]).toBeGreaterThan(300 - 44);
      expect(counts["openai/gpt-4o"]).toBeLessThan(300 + 44);
      expect(counts["openai/gpt-4o"] + counts["groq/gpt-4o-mini"]).toBe(n);
    } finally {
      await engine.stop();
    }
  });
});

test("an alias's params are set on every request through it", async () => {
  const { engine, client } = await engineWith({ aliases: { terse: { targets: ["openai/gpt-4o"], params: { max_tokens: 7, temperature: 0 } } } });
  try {
    await client.chat.completions.create({ ...ask("terse"), max_tokens: 500, seed: 3 });
    expect(a.requests.at(-1)!.body).toMatchObject({ model: "gpt-4o", max_tokens: 7, temperature: 0, seed: 3 });
  } finally {
    await engine.stop();
  }
});

describe("hot reload", () => {
  test("an alias changed while a request is in flight: the in-flight one finishes, the next uses the new target", async () => {
    const { engine, client } = await engineWith({ aliases: { s: { targets: ["openai/gpt-4o"] } } });
    try {
      const gate = streamGate();
      a.script({ content: "old target", gate });
      const inflight = client.chat.completions.create(ask("s", "old target"));
      await gate.waiting();
      const reloaded = engine.waitForLog(/settings reloaded/);
      expect((await runCli(["alias", "add", "s", "groq/gpt-4o-mini"], { home: engine.home })).code).toBe(0);
      await reloaded;
      const next = (await client.chat.completions.create(ask("s", "new target"))) as any;
      expect(next._routing.selected_model).toBe("groq/gpt-4o-mini");
      gate.releaseAll();
      const old = (await inflight) as any;
      expect(old._routing.selected_model).toBe("openai/gpt-4o");
      expect(old.choices[0].message.content).toBe("old target");
    } finally {
      await engine.stop();
    }
  });
});
