import { describe, expect, test } from "bun:test";
import { anthropicError } from "../../../src/dialects/anthropic-messages/errors.ts";
import { messagesUsage, stopReason, toMessage } from "../../../src/dialects/anthropic-messages/response.ts";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import type { ChatCompletion } from "../../../src/openai/schema.ts";

const TRACE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const completion = (message: Record<string, unknown>, finish = "stop", extra: Partial<ChatCompletion> = {}): ChatCompletion => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, message: { role: "assistant", content: null, ...message }, finish_reason: finish }],
  usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 10 } },
  ...extra,
});

describe("toMessage", () => {
  test("text, usage split into Anthropic's counts, an msg_ id from the trace id", () => {
    expect(toMessage(completion({ content: "hi" }), TRACE, "openai/gpt-4o")).toEqual({
      id: "msg_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b",
      type: "message",
      role: "assistant",
      model: "gpt-4o-2024-08-06",
      content: [{ type: "text", text: "hi" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 60, output_tokens: 20, cache_read_input_tokens: 30, cache_creation_input_tokens: 10 },
    });
  });

  test("tool calls become tool_use blocks with parsed input; Anthropic's own id is kept", () => {
    const msg = toMessage(
      completion(
        {
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "w", arguments: '{"city":"Oslo"}' } },
            { id: "call_2", type: "function", function: { name: "v", arguments: "" } },
            { id: "call_3", type: "function", function: { name: "x", arguments: "not json" } },
          ],
        },
        "tool_calls",
        { id: "msg_abc" },
      ),
      TRACE,
      "m",
    );
    expect(msg.id).toBe("msg_abc");
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.content).toEqual([
      { type: "tool_use", id: "call_1", name: "w", input: { city: "Oslo" } },
      { type: "tool_use", id: "call_2", name: "v", input: {} },
      { type: "tool_use", id: "call_3", name: "x", input: { _raw: "not json" } },
    ]);
  });

  test("another provider's reasoning text is a thinking block with an empty signature, before the text", () => {
    expect(toMessage(completion({ content: "42", reasoning_content: "deep" }), TRACE, "m").content).toEqual([
      { type: "thinking", thinking: "deep", signature: "" },
      { type: "text", text: "42" },
    ]);
  });

  test("a refusal is text with stop_reason refusal; an empty answer has no blocks", () => {
    const refused = toMessage(completion({ refusal: "I can't." }, "content_filter"), TRACE, "m");
    expect(refused.content).toEqual([{ type: "text", text: "I can't." }]);
    expect(refused.stop_reason).toBe("refusal");
    expect(toMessage(completion({ content: "" }, "length"), TRACE, "m")).toMatchObject({ content: [], stop_reason: "max_tokens" });
  });
});

test("stop reasons and usage without details", () => {
  expect(["stop", "length", "tool_calls", "function_call", "content_filter", null, "weird"].map(stopReason)).toEqual([
    "end_turn",
    "max_tokens",
    "tool_use",
    "tool_use",
    "refusal",
    "end_turn",
    "end_turn",
  ]);
  expect(messagesUsage({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })).toEqual({
    input_tokens: 5,
    output_tokens: 2,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  });
  expect(messagesUsage(null).input_tokens).toBe(0);
});

describe("anthropicError: the engine's vocabulary and upstream errors in Anthropic's types", () => {
  const of = (code: ConstructorParameters<typeof ApiError>[0]) => anthropicError(toWire(new ApiError(code, "m")));
  test("engine codes", () => {
    expect(of("invalid_value")).toMatchObject({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "m" } } });
    expect(of("model_not_found")).toMatchObject({ status: 404, body: { error: { type: "not_found_error" } } });
    expect(of("invalid_api_key")).toMatchObject({ status: 401, body: { error: { type: "authentication_error" } } });
    expect(of("missing_api_key")).toMatchObject({ status: 401, body: { error: { type: "authentication_error" } } });
    expect(of("request_too_large")).toMatchObject({ status: 413, body: { error: { type: "request_too_large" } } });
    expect(of("engine_overloaded")).toMatchObject({ status: 529, body: { error: { type: "overloaded_error" } } });
    expect(of("internal_error")).toMatchObject({ status: 500, body: { error: { type: "api_error" } } });
    expect(of("upstream_unreachable")).toMatchObject({ status: 502, body: { error: { type: "api_error" } } });
    expect(of("first_byte_timeout")).toMatchObject({ status: 504, body: { error: { type: "timeout_error" } } });
  });

  test("upstream errors: by status, an Anthropic type kept, retry headers kept", () => {
    const up = (status: number, type: string, headers: Record<string, string> = {}) =>
      anthropicError({ status, error: { message: "x", type, param: null, code: null }, headers });
    expect(up(429, "requests", { "retry-after": "3" })).toMatchObject({
      status: 429,
      body: { error: { type: "rate_limit_error" } },
      headers: { "retry-after": "3" },
    });
    expect(up(500, "server_error").body.error.type).toBe("api_error");
    expect(up(529, "overloaded_error")).toMatchObject({ status: 529, body: { error: { type: "overloaded_error" } } });
    expect(up(404, "invalid_request_error").body.error.type).toBe("not_found_error");
    expect(up(400, "billing_error").body.error.type).toBe("billing_error");
  });
});
