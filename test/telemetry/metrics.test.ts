import { describe, expect, test } from "bun:test";
import parse from "parse-prometheus-text-format";
import { observations, total } from "../helpers/prometheus.ts";
import { EngineMetrics, LABEL_LIMIT } from "../../src/telemetry/metrics.ts";
import { makeErrorTrace, makeTrace } from "../helpers/trace-factory.ts";

const sources = {
  targets: () => ({ "groq/llama": { state: "cooling_down" as const, consecutive_failures: 3, cooling_until: null, last_error: "x" } }),
  writer: () => ({ queued: 7, written: 40, dropped: 2, spooled_rows: 5 }),
};

describe("EngineMetrics", () => {
  test("counts requests, tokens, cost, attempts and errors from the records; gauges read the engine at scrape", async () => {
    const m = new EngineMetrics(sources);
    const a = makeTrace({
      provider: "openai",
      selected_model: "openai/gpt-4o",
      alias: "smart",
      input_tokens: 100,
      output_tokens: 20,
      cached_tokens: 50,
      cost_usd: 0.001,
      token_name: "app",
    });
    const b = makeTrace({
      provider: "openai",
      selected_model: "openai/gpt-4o",
      alias: null,
      input_tokens: 10,
      output_tokens: 5,
      cost_usd: 0.0005,
      stream: true,
      ttft_ms: 120,
      token_name: "app",
    });
    const failed = makeErrorTrace({
      provider: "groq",
      selected_model: "groq/llama",
      attempts: [
        { model: "groq/llama", provider: "groq", status: 503, error_type: "api_error", latency_ms: 5, start_ms: 0, kind: "first" },
        { model: "groq/llama", provider: "groq", status: 503, error_type: "api_error", latency_ms: 5, start_ms: 9, kind: "retry" },
      ],
    });
    const embed = makeTrace({
      api: "embeddings",
      provider: "openai",
      selected_model: "openai/text-embedding-3-small",
      input_tokens: 8,
      output_tokens: 0,
      cost_usd: null,
    });
    for (const r of [a, b, failed, embed]) m.observe(r);
    const { body, contentType } = await m.text();
    expect(contentType).toStartWith("text/plain");
    expect(total(body, "opentracy_requests_total")).toBe(4);
    expect(total(body, "opentracy_requests_total", { api: "embeddings", model: "openai/text-embedding-3-small" })).toBe(1);
    expect(total(body, "opentracy_requests_total", { api: "chat", model: "openai/gpt-4o", alias: "smart", status: "ok" })).toBe(1);
    expect(total(body, "opentracy_requests_total", { provider: "groq", status: "error" })).toBe(1);
    expect(total(body, "opentracy_tokens_total", { kind: "input" })).toBe(110 + 8 + (failed.input_tokens ?? 0));
    expect(total(body, "opentracy_tokens_total", { kind: "cached" })).toBe(50);
    expect(total(body, "opentracy_cost_usd_total")).toBeCloseTo(0.0015, 12);
    expect(total(body, "opentracy_token_cost_usd_total", { token: "app" })).toBeCloseTo(0.0015, 12);
    expect(total(body, "opentracy_attempts_total", { provider: "groq", kind: "retry", outcome: "error" })).toBe(1);
    expect(total(body, "opentracy_upstream_errors_total", { error_type: "api_error" })).toBe(2);
    expect(observations(body, "opentracy_time_to_first_token_seconds")).toBe(1);
    expect(observations(body, "opentracy_request_duration_seconds")).toBe(4);
    expect(body).toContain('opentracy_request_duration_seconds_count{provider="openai",model="openai/gpt-4o",stream="true"} 1');
    expect(total(body, "opentracy_target_cooling_down", { target: "groq/llama" })).toBe(1);
    expect(total(body, "opentracy_trace_queue_depth")).toBe(7);
    expect(total(body, "opentracy_trace_spool_rows")).toBe(5);
    // Counted once: a second scrape adds nothing.
    expect(total((await m.text()).body, "opentracy_requests_total")).toBe(4);
  });

  test(`a label keeps at most ${LABEL_LIMIT} values; the rest count as "other"`, async () => {
    const m = new EngineMetrics(sources);
    for (let i = 0; i < LABEL_LIMIT + 50; i++) m.observe(makeTrace({ provider: "openai", selected_model: `openai/model-${i}`, attempts: [] }));
    const { body } = await m.text();
    const models = new Set(
      parse(body)
        .find((f) => f.name === "opentracy_requests_total")!
        .metrics.map((s) => s.labels!.model),
    );
    expect(models.size).toBe(LABEL_LIMIT + 1);
    expect(total(body, "opentracy_requests_total", { model: "other" })).toBe(50);
    expect(total(body, "opentracy_requests_total")).toBe(LABEL_LIMIT + 50);
  });
});
