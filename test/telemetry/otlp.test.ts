import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { otlpConfig } from "../../src/telemetry/otlp.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { startOtlpReceiver, type FakeOtlp } from "../fakes/otlp-receiver.ts";
import { eventually } from "../helpers/clickhouse.ts";
import { tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// OpenTelemetry export: a real engine sends its spans to a receiver that decodes OTLP/JSON as a
// collector does; the test checks the GenAI attributes, the parent from the caller's traceparent,
// the attempt spans, and that content goes out only when asked for, redacted when redaction is on.
let fake: FakeOpenAI;
let otlp: FakeOtlp;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  otlp = startOtlpReceiver();
});
afterAll(async () => {
  await fake?.close();
  await otlp?.close();
});

/** A URL where nothing listens: a port that was just free. */
function closedUrl(): string {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  s.stop(true);
  return `http://127.0.0.1:${s.port}`;
}

/** An engine whose alias `smart` falls back from an unreachable groq to the OpenAI fake. */
function start(extra: Record<string, string> = {}): Promise<RunningEngine> {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ aliases: { smart: { targets: ["groq/llama-3.3-70b-versatile", "openai/gpt-4o-mini"] } }, routing: { retry: { max_attempts: 1 } } }),
  );
  const env = {
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: fake.apiKey,
    GROQ_BASE_URL: `${closedUrl()}/v1`,
    GROQ_API_KEY: "gsk-x",
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_SERVICE_NAME: "gateway-under-test",
    ...extra,
  };
  return startEngine({ home, env });
}

describe("otlpConfig", () => {
  test("the standard variables, ours, and the headers", () => {
    expect(otlpConfig({})).toBeNull();
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })!.url).toBe("http://c:4318/v1/traces");
    expect(otlpConfig({ OPENTRACY_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_ENDPOINT: "http://b:4318" })!.url).toBe("http://a:4318/v1/traces");
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t/x", OTEL_EXPORTER_OTLP_ENDPOINT: "http://b" })!.url).toBe("http://t/x");
    const c = otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_HEADERS: "x-honeycomb-team=abc%3D,x-b = 2" })!;
    expect(c.headers).toEqual({ "x-honeycomb-team": "abc=", "x-b": "2" });
    expect(c.serviceName).toBe("opentracy");
    expect(c.content).toBe(false);
  });
});

describe("spans from a real engine", () => {
  let engine: RunningEngine;
  afterAll(() => engine?.stop());

  test("one CLIENT span per call with the GenAI attributes, joined to the caller's trace, and a child per attempt", async () => {
    engine = await start();
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";
    const { response } = await client.chat.completions
      .create(
        { model: "smart", messages: [{ role: "user", content: "secret plan for jane@example.com" }] },
        { headers: { traceparent: `00-${traceId}-${parentId}-01` } },
      )
      .withResponse();
    const id = response.headers.get("x-opentracy-trace-id")!;
    const call = await eventually(() => otlp.spans.find((s) => s.attributes["opentracy.trace_id"] === id), 10_000, "the call's span");
    expect(call).toMatchObject({ name: "chat gpt-4o-mini", kind: 3, traceId, parentSpanId: parentId });
    expect(call.resource["service.name"]).toBe("gateway-under-test");
    expect(call.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "smart",
      "gen_ai.response.model": "gpt-4o-mini",
      "gen_ai.response.finish_reasons": ["stop"],
      "opentracy.alias": "smart",
      "opentracy.attempts": 2,
    });
    expect(call.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(call.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(call.attributes["opentracy.cost_usd"]).toBeGreaterThan(0);
    expect(call.attributes["gen_ai.response.id"]).toMatch(/^chatcmpl-/);
    expect(call.attributes["gen_ai.system"]).toBeUndefined();
    expect(call.attributes["gen_ai.input.messages"]).toBeUndefined();
    const attempts = await eventually(
      () => {
        const found = otlp.spans.filter((s) => s.parentSpanId === call.spanId);
        return found.length === 2 && found;
      },
      10_000,
      "two attempt spans",
    );
    attempts.sort((a, b) => a.startMs - b.startMs);
    expect(attempts.map((a) => [a.attributes["opentracy.attempt.kind"], a.attributes["gen_ai.provider.name"], a.traceId])).toEqual([
      ["first", "groq", traceId],
      ["fallback", "openai", traceId],
    ]);
    expect(attempts[0]!.attributes["error.type"]).toBeDefined();
    expect(attempts[0]!.status.code).toBe(2);
    expect(attempts[1]!.attributes["http.response.status_code"]).toBe(200);
    expect(attempts[1]!.startMs).toBeGreaterThanOrEqual(call.startMs);
    expect(call.endMs).toBeGreaterThanOrEqual(attempts[1]!.endMs);
    // An error is a span with error.type and an error status.
    await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }).catch(() => {});
    const failed = await eventually(
      () => otlp.spans.find((s) => s.attributes["gen_ai.request.model"] === "no-such-model" && s.parentSpanId !== call.spanId),
      10_000,
      "the failed call's span",
    );
    expect(failed.status.code).toBe(2);
    expect(failed.attributes["error.type"]).toBe("invalid_request_error");
  });

  test("content only with OPENTRACY_OTLP_CONTENT, and redacted when redaction is on", async () => {
    const e = await start({ OPENTRACY_OTLP_CONTENT: "true", OPENTRACY_TRACE_REDACT: "true" });
    try {
      const client = new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "write to jane@example.com" }] })
        .withResponse();
      const id = response.headers.get("x-opentracy-trace-id")!;
      const span = await eventually(() => otlp.spans.find((s) => s.attributes["opentracy.trace_id"] === id), 10_000, "the span");
      const input = JSON.parse(span.attributes["gen_ai.input.messages"] as string);
      expect(JSON.stringify(input)).toContain("[EMAIL]");
      expect(JSON.stringify(input)).not.toContain("jane@example.com");
      expect(span.attributes["gen_ai.output.messages"]).toBeDefined();
      expect(span.parentSpanId).toBe("");
    } finally {
      await e.stop();
    }
  });

  test("a collector that is down costs the requests nothing, and holds the engine's stop 5 s at most", async () => {
    const e = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: closedUrl() });
    const client = new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 });
    for (let i = 0; i < 5; i++)
      expect(
        (await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: `n${i}` }] })).choices[0]!.message.content,
      ).toContain(`n${i}`);
    const started = Date.now();
    expect(await e.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
  }, 30_000);
});
