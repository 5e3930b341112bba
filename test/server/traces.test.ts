import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";
import { SECRET, TOOLS, trafficMix } from "../helpers/traffic.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

/** Runs the trace tests' request mix against a fresh engine, stops it (SIGTERM flushes), returns its home. */
async function traffic(env: Record<string, string> = {}) {
  const engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, ...env } });
  const t = await trafficMix(engine.baseURL, fake);
  const health = (await (await fetch(`${engine.url}/health`)).json()) as { traces: Record<string, unknown> };
  expect(await engine.stop()).toBe(0);
  return { home: engine.home, ...t, secret: SECRET, health };
}

describe("traces in the local store", () => {
  test("one complete record per request, flushed on SIGTERM", async () => {
    const { home, plain, streamed, last, secret } = await traffic();
    const traces = readTraces(home);
    expect(traces).toHaveLength(4);
    const [a, s, t, bad] = traces;

    expect(a.id).toBe(plain.response.headers.get("x-opentracy-trace-id")!);
    expect(a).toMatchObject({
      requested_model: "openai/gpt-4o",
      selected_model: "openai/gpt-4o",
      provider: "openai",
      alias: null,
      status: "ok",
      http_status: 200,
      stream: false,
      finish_reason: "stop",
      input_tokens: plain.data.usage!.prompt_tokens,
      output_tokens: plain.data.usage!.completion_tokens,
      tool_calls: 0,
      error_type: null,
    });
    expect(a.cost_usd).toBeCloseTo((plain.data as any)._cost, 12);
    expect(a.request).toEqual([{ role: "user", content: secret }]);
    expect((a.response as any)[0].content).toBe(plain.data.choices[0].message.content);
    expect(Date.parse(a.ts_end)).toBeGreaterThanOrEqual(Date.parse(a.ts_start));
    expect(a.attempts).toHaveLength(1);

    expect(s).toMatchObject({ stream: true, status: "ok", finish_reason: "stop", output_tokens: last.usage.completion_tokens });
    expect(s.cost_usd).toBeCloseTo(last._cost, 12);
    expect(s.ttft_ms).not.toBeNull();
    expect((s.response as any)[0].content).toBe(streamed);

    // The request's other fields, as sent: what an export or a replay needs besides the messages.
    expect(t.request_params).toEqual({ tools: TOOLS, temperature: 0.2 });
    expect(s.request_params).toEqual({});
    expect(t.tool_calls).toBe(2);
    expect(t.finish_reason).toBe("tool_calls");
    expect((t.response as any)[0].tool_calls.map((c: any) => c.function.name)).toEqual(["a", "b"]);

    expect(bad).toMatchObject({ status: "error", http_status: 404, error_type: "invalid_request_error", requested_model: "nope-model", provider: null });

    const tail = await runCli(["traces", "tail", "--json", "-n", "2"], { home });
    expect(tail.code).toBe(0);
    expect(
      tail.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual([t.id, bad.id]);
  });

  test("OPENTRACY_TRACES=off: answers as usual with their extras, and nothing is recorded", async () => {
    const { home, plain, streamed, last, health } = await traffic({ OPENTRACY_TRACES: "off" });
    // Not written and then dropped: never built or queued at all.
    expect(health.traces).toMatchObject({ sink: "off", queued: 0, written: 0, dropped: 0 });
    expect(plain.data.choices[0].message.content).toBeTruthy();
    expect((plain.data as any)._cost).toBeGreaterThan(0);
    expect(streamed.length).toBeGreaterThan(0);
    expect(last._routing.provider).toBe("openai");
    expect(readTraces(home)).toHaveLength(0);
  });

  test("OPENTRACY_TRACE_CONTENT=false stores no text, but keeps the numbers", async () => {
    const { home, secret } = await traffic({ OPENTRACY_TRACE_CONTENT: "false" });
    const traces = readTraces(home);
    expect(traces).toHaveLength(4);
    for (const t of traces) {
      expect(t.request).toBeNull();
      expect(t.request_params).toBeNull();
      expect(t.response).toBeNull();
    }
    expect(traces[0].input_tokens).toBeGreaterThan(0);
    expect(traces[2].tool_calls).toBe(2);
    const { readdirSync, readFileSync } = await import("node:fs");
    const dir = `${home}/traces`;
    const bytes = readdirSync(dir)
      .map((f) => readFileSync(`${dir}/${f}`, "utf8"))
      .join("");
    expect(bytes).not.toContain("jane.doe");
    expect(bytes).not.toContain(secret);
  });

  test("OPENTRACY_TRACE_REDACT=true masks personal data in prompts and answers", async () => {
    const { home } = await traffic({ OPENTRACY_TRACE_REDACT: "true" });
    const [a] = readTraces(home);
    const stored = JSON.stringify([a.request, a.response]);
    expect(stored).not.toContain("jane.doe@example.com");
    expect(stored).not.toContain("555 0100");
    expect(stored).toContain("call me at");
    expect((a.request as any)[0].content).toMatch(/\[EMAIL\]/);
  });
});
