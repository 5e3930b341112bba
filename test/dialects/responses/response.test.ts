import { describe, expect, test } from "bun:test";
import { chatUsage, fromResponse, responsesUsage, toResponse } from "../../../src/dialects/responses/response.ts";
import type { ChatCompletion } from "../../../src/openai/schema.ts";

const completion = (message: Record<string, unknown>, finish: string, usage: ChatCompletion["usage"] = null): ChatCompletion => ({
  id: "x",
  object: "chat.completion",
  created: 1700000000,
  model: "claude-haiku-4-5",
  choices: [{ index: 0, message: { role: "assistant", content: null, ...message }, finish_reason: finish }],
  usage,
});
const TRACE = "0192f0a0-1111-7222-8333-444455556666";

describe("toResponse", () => {
  test("reasoning, text and tool calls become output items in that order, with usage in the Responses shape", () => {
    const r = toResponse(
      completion(
        {
          content: "Checking.",
          reasoning_content: "think",
          tool_calls: [{ id: "call_1", type: "function", function: { name: "w", arguments: '{"a":1}' } }],
        },
        "tool_calls",
        {
          prompt_tokens: 10,
          completion_tokens: 4,
          total_tokens: 14,
          prompt_tokens_details: { cached_tokens: 6 },
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      ),
      TRACE,
      { model: "anthropic/claude-haiku-4-5", instructions: "I" },
      "anthropic/claude-haiku-4-5",
    ) as any;
    expect(r).toMatchObject({
      id: "resp_0192f0a0111172228333444455556666",
      object: "response",
      created_at: 1700000000,
      status: "completed",
      incomplete_details: null,
      model: "claude-haiku-4-5",
      instructions: "I",
    });
    expect(r.output.map((o: any) => o.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(r.output[0].content).toEqual([{ type: "reasoning_text", text: "think" }]);
    expect(r.output[1]).toMatchObject({ role: "assistant", status: "completed", content: [{ type: "output_text", text: "Checking.", annotations: [] }] });
    expect(r.output[2]).toMatchObject({ call_id: "call_1", name: "w", arguments: '{"a":1}', status: "completed" });
    expect(r.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 6 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 2 },
      total_tokens: 14,
    });
  });

  test("length is incomplete with reason max_output_tokens; content_filter likewise with its reason", () => {
    const cut = toResponse(completion({ content: "abc" }, "length"), TRACE, { model: "m" }, "m") as any;
    expect(cut.status).toBe("incomplete");
    expect(cut.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect((toResponse(completion({ content: "" }, "content_filter"), TRACE, { model: "m" }, "m") as any).incomplete_details).toEqual({
      reason: "content_filter",
    });
  });
});

describe("usage both ways", () => {
  test("zeros without usage; the Responses shape back to chat's keeps the details", () => {
    expect(responsesUsage(null)).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    expect(
      chatUsage({
        input_tokens: 9,
        output_tokens: 3,
        total_tokens: 12,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens_details: { reasoning_tokens: 1 },
      }),
    ).toEqual({
      prompt_tokens: 9,
      completion_tokens: 3,
      total_tokens: 12,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 1 },
    });
    expect(chatUsage(null)).toBeNull();
  });
});

describe("fromResponse", () => {
  test("OpenAI's Response → the completion the trace records: text, function calls, finish reason from the status", () => {
    const c = fromResponse({
      id: "resp_1",
      object: "response",
      created_at: 5,
      model: "gpt-4o-2024-08-06",
      status: "completed",
      output: [
        { type: "reasoning", id: "rs", summary: [] },
        {
          type: "message",
          content: [
            { type: "output_text", text: "a" },
            { type: "output_text", text: "b" },
          ],
        },
        { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      ],
      usage: { input_tokens: 3, output_tokens: 2 },
    });
    expect(c.choices[0]).toEqual({
      index: 0,
      message: { role: "assistant", content: "ab", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
      finish_reason: "tool_calls",
    });
    expect(c.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(fromResponse({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [] }).choices[0]!.finish_reason).toBe("length");
    expect(fromResponse({ status: "completed", output: [] }).choices[0]!.finish_reason).toBe("stop");
  });
});
