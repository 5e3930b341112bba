import { describe, expect, test } from "bun:test";
import { anthropicAdapter } from "../../../src/providers/anthropic/index.ts";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { fixtureText, target } from "./helpers.ts";

const parse = (name: string) => anthropicAdapter.parseResponse(fixtureText(name), target());

describe("recorded messages → chat completions", () => {
  test("text", () => {
    const out = parse("anthropic-text.json");
    expect(out).toMatchObject({ id: "msg_01VdEjxAP5ahtHKrrRdNBteQ", object: "chat.completion", model: "claude-sonnet-4-5-20250929" });
    expect(typeof out.created).toBe("number");
    expect(out.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
          refusal: null,
        },
        logprobs: null,
        finish_reason: "stop",
      },
    ]);
    expect(out.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 29,
      total_tokens: 41,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test("text then a tool use without arguments: content, tool_calls with toolu_ ids, tool_calls finish", () => {
    const out = parse("anthropic-tool-no-args.json");
    const message = out.choices[0]!.message;
    expect(message.content).toStartWith("<thinking>\nThe updateIssueList tool");
    expect(message.tool_calls).toEqual([{ id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1", type: "function", function: { name: "updateIssueList", arguments: "{}" } }]);
    expect(out.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("a tool-only answer has null content and the input as JSON arguments", () => {
    const out = parse("anthropic-json-tool.1.json");
    const message = out.choices[0]!.message;
    expect(message.content).toBeNull();
    const call = (message.tool_calls as any[])[0];
    expect(call.id).toBe("toolu_01Q9ExVZnzZj7E2QQYHYtNUa");
    expect(JSON.parse(call.function.arguments).elements).toHaveLength(4);
    expect(out.usage!.prompt_tokens).toBe(1151);
  });

  test("thinking → reasoning_content; the thinking tokens the API reports → reasoning_tokens", () => {
    const clear = parse("anthropic-clear-thinking.1.json").choices[0]!.message;
    expect(clear.reasoning_content).toBe("925 divided by 5 = 185");
    expect(clear.content).toBe("925 ÷ 5 = 185");
    expect(clear.tool_calls).toBeUndefined();
    const opus = parse("anthropic-claude-opus-5-reasoning-high.1.json");
    expect(opus.choices[0]!.message.reasoning_content).toStartWith("I need to find all roots");
    expect(opus.usage).toMatchObject({ prompt_tokens: 51, completion_tokens: 1699, completion_tokens_details: { reasoning_tokens: 139 } });
  });

  test("a refusal: content_filter, with the explanation as OpenAI's refusal", () => {
    const out = parse("anthropic-refusal.json");
    expect(out.choices[0]!.finish_reason).toBe("content_filter");
    expect(out.choices[0]!.message).toEqual({
      role: "assistant",
      content: "",
      refusal: "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
    });
  });
});

describe("shapes the recordings do not cover", () => {
  const message = (extra: Record<string, unknown>) =>
    JSON.stringify({
      model: "claude-haiku-4-5-20251001",
      id: "msg_01X",
      type: "message",
      role: "assistant",
      content: [],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 },
      ...extra,
    });

  test("thinking and redacted thinking ride on the first tool call, with their signatures", () => {
    const out = anthropicAdapter.parseResponse(
      message({
        content: [
          { type: "thinking", thinking: "Two lookups.", signature: "EqQBsig==" },
          { type: "redacted_thinking", data: "EmwKAhgB" },
          { type: "text", text: "Looking both up." },
          { type: "tool_use", id: "toolu_01A", name: "a", input: { x: 1 } },
          { type: "tool_use", id: "toolu_01B", name: "b", input: {} },
        ],
        stop_reason: "tool_use",
      }),
      target(),
    );
    const calls = out.choices[0]!.message.tool_calls as any[];
    expect(calls[0].thinking_blocks).toEqual([
      { type: "thinking", thinking: "Two lookups.", signature: "EqQBsig==" },
      { type: "redacted_thinking", data: "EmwKAhgB" },
    ]);
    expect(calls[1].thinking_blocks).toBeUndefined();
    expect(out.choices[0]!.message.reasoning_content).toBe("Two lookups.");
  });

  test("cache reads and writes are part of prompt_tokens, each reported apart", () => {
    const out = anthropicAdapter.parseResponse(
      message({ usage: { input_tokens: 10, cache_creation_input_tokens: 300, cache_read_input_tokens: 2000, output_tokens: 5 } }),
      target(),
    );
    expect(out.usage).toEqual({
      prompt_tokens: 2310,
      completion_tokens: 5,
      total_tokens: 2315,
      prompt_tokens_details: { cached_tokens: 2000, cache_write_tokens: 300 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test("every stop reason has its finish reason", () => {
    const cases: Array<[string, string]> = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["pause_turn", "stop"],
      ["max_tokens", "length"],
      ["model_context_window_exceeded", "length"],
      ["tool_use", "tool_calls"],
      ["refusal", "content_filter"],
      ["something_new", "stop"],
    ];
    for (const [stop, finish] of cases) {
      expect([stop, anthropicAdapter.parseResponse(message({ stop_reason: stop }), target()).choices[0]!.finish_reason]).toEqual([stop, finish]);
    }
  });

  test("an error body or a body that is not a message is an UpstreamError", () => {
    const overloaded = JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: "req_1" });
    const err = (() => {
      try {
        anthropicAdapter.parseResponse(overloaded, target());
      } catch (e) {
        return e as UpstreamError;
      }
    })();
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.mapped).toMatchObject({ status: 529, error: { type: "overloaded_error", message: "Overloaded" } });
    expect(() => anthropicAdapter.parseResponse("<html>", target())).toThrow(UpstreamError);
    expect(() => anthropicAdapter.parseResponse('{"type":"message"}', target())).toThrow("no content array");
  });
});
