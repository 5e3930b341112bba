import { describe, expect, test } from "bun:test";
import { messagesRequest, toChatRequest } from "../../../src/dialects/anthropic-messages/request.ts";
import { ApiError } from "../../../src/errors/vocabulary.ts";

const LIMITS = { maxJsonDepth: 64, maxMessages: 100 };
const translate = (body: Record<string, unknown>) => toChatRequest(messagesRequest({ model: "m", max_tokens: 50, ...body }, LIMITS));
const refusal = (body: Record<string, unknown>): ApiError => {
  try {
    translate(body);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("not refused");
};

describe("validation", () => {
  test("missing, mistyped and out-of-range fields are 400s naming the field as Anthropic does", () => {
    expect(() => messagesRequest({ model: "m", messages: [] }, LIMITS)).toThrow(/max_tokens/);
    const e = refusal({ messages: [{ role: "user", content: [{ type: "text" }] }] });
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages.0.content.0.text");
    expect(refusal({ temperature: 1.5, messages: [] }).param).toBe("temperature");
    expect(refusal({ messages: [{ role: "system", content: "x" }] }).param).toBe("messages.0.role");
    expect(refusal({ thinking: { type: "enabled", budget_tokens: 100 }, messages: [] }).param).toBe("thinking.budget_tokens");
    expect(refusal({ tool_choice: { type: "tool" }, messages: [] }).param).toBe("tool_choice.name");
  });

  test("too many messages and too deep JSON are refused before any translation", () => {
    const many = Array.from({ length: 101 }, () => ({ role: "user", content: "x" }));
    expect(refusal({ messages: many }).code).toBe("too_many_messages");
    let deep: unknown = "x";
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(refusal({ messages: [{ role: "user", content: deep }] }).code).toBe("too_deep");
  });
});

describe("translation to the OpenAI request", () => {
  test("system string and blocks, sampling, stops, user id, stream", () => {
    expect(
      translate({
        system: "S",
        messages: [{ role: "user", content: "hi" }],
        temperature: 0.5,
        top_p: 0.9,
        top_k: 5,
        stop_sequences: ["X"],
        metadata: { user_id: "u" },
        stream: true,
      }),
    ).toEqual({
      model: "m",
      max_tokens: 50,
      stream: true,
      messages: [
        { role: "system", content: "S" },
        { role: "user", content: "hi" },
      ],
      temperature: 0.5,
      top_p: 0.9,
      stop: ["X"],
      user: "u",
    });
    const blocks = translate({
      system: [
        { type: "text", text: "A" },
        { type: "text", text: "B", cache_control: { type: "ephemeral" } },
      ],
      messages: [],
    });
    expect(blocks.messages).toEqual([
      {
        role: "system",
        content: [
          { type: "text", text: "A" },
          { type: "text", text: "B", cache_control: { type: "ephemeral" } },
        ],
      },
    ]);
  });

  test("images become image_url parts: base64 as a data URL, URLs as they are", () => {
    const out = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "image", source: { type: "url", url: "https://x/y.jpg" } },
            { type: "text", text: "what?" },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          { type: "image_url", image_url: { url: "https://x/y.jpg" } },
          { type: "text", text: "what?" },
        ],
      },
    ]);
  });

  test("tool_use and tool_result: tool calls with the same ids, results as tool messages before the turn's text", () => {
    const out = translate({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "t", signature: "sig" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "w", input: { city: "Oslo" } },
            { type: "tool_use", id: "toolu_2", name: "w", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "snow" },
            { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "rain" }], is_error: true },
            { type: "text", text: "so?" },
          ],
        },
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          {
            id: "toolu_1",
            type: "function",
            function: { name: "w", arguments: '{"city":"Oslo"}' },
            thinking_blocks: [{ type: "thinking", thinking: "t", signature: "sig" }],
          },
          { id: "toolu_2", type: "function", function: { name: "w", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "snow" },
      { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "rain" }] },
      { role: "user", content: [{ type: "text", text: "so?" }] },
    ]);
  });

  test("thinking without a signature, or outside a tool-use turn, is left out", () => {
    const out = translate({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "t", signature: "sig" },
            { type: "text", text: "A" },
          ],
        },
        { role: "user", content: "q2" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "t", signature: "" },
            { type: "tool_use", id: "toolu_9", name: "w", input: {} },
          ],
        },
      ],
    });
    expect(out.messages[1]).toEqual({ role: "assistant", content: "A" });
    expect(out.messages[3]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "toolu_9", type: "function", function: { name: "w", arguments: "{}" } }],
    });
  });

  test("tools and every tool_choice", () => {
    const tools = [{ name: "w", description: "d", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } }];
    const base = { tools, messages: [] };
    expect(translate(base).tools).toEqual([
      { type: "function", function: { name: "w", description: "d", parameters: { type: "object" } }, cache_control: { type: "ephemeral" } },
    ]);
    expect(translate({ ...base, tool_choice: { type: "auto" } }).tool_choice).toBe("auto");
    expect(translate({ ...base, tool_choice: { type: "any", disable_parallel_tool_use: true } })).toMatchObject({
      tool_choice: "required",
      parallel_tool_calls: false,
    });
    expect(translate({ ...base, tool_choice: { type: "none" } }).tool_choice).toBe("none");
    expect(translate({ ...base, tool_choice: { type: "tool", name: "w" } }).tool_choice).toEqual({ type: "function", function: { name: "w" } });
    expect("tool_choice" in translate({ tool_choice: { type: "any" }, messages: [] })).toBe(false);
  });

  test("thinking becomes reasoning_effort by budget; adaptive follows output_config.effort; disabled sends none", () => {
    const effort = (thinking: unknown, extra = {}) => translate({ thinking, messages: [], ...extra }).reasoning_effort;
    expect(effort({ type: "enabled", budget_tokens: 1024 })).toBe("low");
    expect(effort({ type: "enabled", budget_tokens: 8192 })).toBe("medium");
    expect(effort({ type: "enabled", budget_tokens: 32000 })).toBe("high");
    expect(effort({ type: "adaptive" })).toBe("high");
    expect(effort({ type: "adaptive" }, { output_config: { effort: "low" } })).toBe("low");
    expect(effort({ type: "disabled" })).toBeUndefined();
  });

  test("server tools and unknown block types are refused naming them", () => {
    expect(refusal({ tools: [{ type: "web_search_20250305", name: "web_search" }], messages: [] }).param).toBe("tools.0.type");
    const doc = refusal({ messages: [{ role: "user", content: [{ type: "document", source: { type: "text", data: "x" } }] }] });
    expect(doc.status).toBe(400);
    expect(doc.message).toContain("document");
    expect(doc.param).toBe("messages.0.content.0.type");
    expect(refusal({ messages: [{ role: "assistant", content: [{ type: "tool_result", tool_use_id: "x" }] }] }).param).toBe("messages.0.content.0.type");
  });
});
