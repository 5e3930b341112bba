import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { toFinishReason } from "../../../src/providers/bedrock/finish-reason.ts";
import { parseResponse } from "../../../src/providers/bedrock/response.ts";
import { bedrockTarget, fixture } from "./helpers.ts";

const target = bedrockTarget();

describe("recorded Converse responses", () => {
  test("text", () => {
    const recorded = JSON.parse(fixture("amazon-bedrock-text.json"));
    const c = parseResponse(fixture("amazon-bedrock-text.json"), target);
    expect(c.object).toBe("chat.completion");
    expect(c.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(c.model).toBe(target.model);
    expect(c.choices).toHaveLength(1);
    expect(c.choices[0].message).toEqual({ role: "assistant", content: recorded.output.message.content[0].text });
    expect(c.choices[0].finish_reason).toBe("stop");
    expect(c.usage).toEqual({
      prompt_tokens: 22,
      completion_tokens: 57,
      total_tokens: 79,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test("reasoning: thinking text on reasoning_content, the answer on content", () => {
    const recorded = JSON.parse(fixture("amazon-bedrock-reasoning.json"));
    const c = parseResponse(fixture("amazon-bedrock-reasoning.json"), target);
    const m = c.choices[0].message;
    expect(m.reasoning_content).toBe(recorded.output.message.content[0].reasoningContent.reasoningText.text);
    expect(m.content).toBe(recorded.output.message.content[1].text);
    // No tool call follows, so the signed block has nothing to ride on and nothing needs it back.
    expect(m.tool_calls).toBeUndefined();
    expect(c.usage!.total_tokens).toBe(129);
  });

  test("tool call: arguments are the input as JSON text, content null, finish tool_calls", () => {
    const c = parseResponse(fixture("amazon-bedrock-tool-call.1.json"), target);
    const m = c.choices[0].message;
    expect(m.content).toBeNull();
    expect(m.tool_calls).toEqual([{ id: "tool-use-id", type: "function", function: { name: "bash", arguments: '{"command":"ls -l"}' } }]);
    expect(c.choices[0].finish_reason).toBe("tool_calls");
    expect(c.usage!.prompt_tokens).toBe(10);
  });
});

describe("usage", () => {
  test("inputTokens is the uncached part: prompt_tokens adds cache reads and writes back", () => {
    const body = {
      output: { message: { role: "assistant", content: [{ text: "hi" }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 100, outputTokens: 7, cacheReadInputTokens: 200, cacheWriteInputTokens: 50, totalTokens: 357 },
    };
    const u = parseResponse(JSON.stringify(body), target).usage!;
    expect(u.prompt_tokens).toBe(350);
    expect(u.total_tokens).toBe(357);
    expect(u.prompt_tokens_details).toEqual({ cached_tokens: 200, cache_write_tokens: 50 });
  });
});

describe("reasoning blocks ride on the tool call that follows them", () => {
  test("signed and redacted blocks before a toolUse are carried on it; text is not", () => {
    const body = {
      output: {
        message: {
          role: "assistant",
          content: [
            { reasoningContent: { reasoningText: { text: "plan", signature: "sig1" } } },
            { reasoningContent: { redactedContent: "ZW5jcnlwdGVk" } },
            { text: "Let me check." },
            { toolUse: { toolUseId: "t1", name: "a", input: { x: 1 } } },
            { reasoningContent: { reasoningText: { text: " more", signature: "sig2" } } },
            { toolUse: { toolUseId: "t2", name: "b", input: {} } },
          ],
        },
      },
      stopReason: "tool_use",
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    };
    const m = parseResponse(JSON.stringify(body), target).choices[0].message as any;
    expect(m.content).toBe("Let me check.");
    expect(m.reasoning_content).toBe("plan more");
    expect(m.tool_calls[0].reasoning_blocks).toEqual([{ reasoningText: { text: "plan", signature: "sig1" } }, { redactedContent: "ZW5jcnlwdGVk" }]);
    expect(m.tool_calls[1].reasoning_blocks).toEqual([{ reasoningText: { text: " more", signature: "sig2" } }]);
    expect(m.tool_calls[1].function.arguments).toBe("{}");
  });

  test("server-side tool uses are not handed to the client", () => {
    const body = {
      output: {
        message: { role: "assistant", content: [{ toolUse: { toolUseId: "s", name: "web", input: {}, type: "server_tool_use" } }, { text: "found it" }] },
      },
      stopReason: "end_turn",
    };
    const m = parseResponse(JSON.stringify(body), target).choices[0].message;
    expect(m.tool_calls).toBeUndefined();
    expect(m.content).toBe("found it");
  });
});

describe("finish reasons", () => {
  test.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["guardrail_intervened", "content_filter"],
    ["content_filtered", "content_filter"],
    ["malformed_model_output", "stop"],
  ])("%s → %s", (stop, expected) => {
    expect(toFinishReason(stop)).toBe(expected);
    const body = { output: { message: { role: "assistant", content: [{ text: "x" }] } }, stopReason: stop };
    expect(parseResponse(JSON.stringify(body), target).choices[0].finish_reason).toBe(expected);
  });
});

describe("broken answers", () => {
  test("non-JSON and a body without output.message.content are 502s", () => {
    for (const text of ["<html>", JSON.stringify({ output: {} })]) {
      const err = (() => {
        try {
          parseResponse(text, target);
        } catch (e) {
          return e;
        }
      })() as UpstreamError;
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err.mapped.status).toBe(502);
      expect(err.mapped.error.code).toBe("bad_upstream_response");
    }
  });
});
