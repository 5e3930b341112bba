import { describe, expect, test } from "bun:test";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import { nativeRequest } from "../../../src/providers/cohere/request.ts";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";

const MODEL = "command-a-03-2025";
const build = (body: Partial<ChatRequestBody> & Record<string, unknown>, stream = false) =>
  nativeRequest({ model: `cohere/${MODEL}`, messages: [{ role: "user", content: "hi" }], ...body } as ChatRequestBody, MODEL, stream);

function rejection(fn: () => unknown): ReturnType<typeof toWire> {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return toWire(e);
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("messages", () => {
  test("every role maps to Cohere's, field by field, with nothing OpenAI-only left over", () => {
    const out = build({
      messages: [
        { role: "system", content: "be brief" },
        { role: "developer", content: [{ type: "text", text: "use metric" }] },
        { role: "user", content: "weather in Paris?", name: "ann" },
        {
          role: "assistant",
          content: "I will look it up.",
          refusal: null,
          tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "weather_1", content: [{ type: "text", text: "sunny" }] },
        { role: "assistant", content: "Sunny." },
      ],
    });
    expect(out.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "system", content: "use metric" },
      { role: "user", content: "weather in Paris?" },
      {
        role: "assistant",
        tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }],
        tool_plan: "I will look it up.",
      },
      { role: "tool", tool_call_id: "weather_1", content: "sunny" },
      { role: "assistant", content: "Sunny." },
    ]);
    expect(out).toMatchObject({ model: MODEL, stream: false });
  });

  test("images: URLs and data URLs become image_url parts, keeping a valid detail", () => {
    const out = build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "weird" } },
          ],
        },
      ],
    });
    expect(out.messages[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "what is this?" },
        { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      ],
    });
  });

  test("reasoning_content goes back as a thinking part; an empty argument string as {}", () => {
    const out = build({
      messages: [
        { role: "user", content: "2+2?" },
        { role: "assistant", content: "4", reasoning_content: "two and two" },
        {
          role: "assistant",
          content: null,
          reasoning_content: "need the time",
          tool_calls: [{ id: "t1", type: "function", function: { name: "now", arguments: "" } }],
        },
      ],
    });
    expect(out.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "two and two" },
        { type: "text", text: "4" },
      ],
    });
    expect(out.messages[2]).toEqual({
      role: "assistant",
      tool_calls: [{ id: "t1", type: "function", function: { name: "now", arguments: "{}" } }],
      content: [{ type: "thinking", thinking: "need the time" }],
    });
  });

  test("refused: function messages, audio parts, non-function tool calls", () => {
    expect(rejection(() => build({ messages: [{ role: "function", name: "f", content: "x" }] }))).toMatchObject({
      status: 400,
      error: { param: "messages[0].role" },
    });
    expect(
      rejection(() => build({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }] })).error.param,
    ).toBe("messages[0].content[0].type");
    const custom = { role: "assistant", content: null, tool_calls: [{ id: "c", type: "custom", function: { name: "x", arguments: "{}" } }] };
    expect(rejection(() => build({ messages: [{ role: "user", content: "x" }, custom] })).error.param).toBe("messages[1].tool_calls[0].type");
  });
});

describe("parameters", () => {
  test("sampling and limits map to Cohere's names", () => {
    const out = build(
      {
        max_completion_tokens: 300,
        max_tokens: 100,
        temperature: 0.4,
        top_p: 1,
        top_k: 40,
        seed: 7,
        frequency_penalty: 0.2,
        presence_penalty: 0.1,
        stop: "END",
        user: "u-1",
        parallel_tool_calls: true,
      },
      true,
    );
    const { messages: _, ...params } = out;
    expect(params).toEqual({
      model: MODEL,
      stream: true,
      max_tokens: 300,
      temperature: 0.4,
      p: 0.99,
      k: 40,
      seed: 7,
      frequency_penalty: 0.2,
      presence_penalty: 0.1,
      stop_sequences: ["END"],
    });
    expect(build({ top_p: 0 }).p).toBe(0.01);
    expect(build({ top_p: 0.5, stop: ["a", "b"] })).toMatchObject({ p: 0.5, stop_sequences: ["a", "b"] });
  });

  test("response_format: json_object as is, json_schema as json_object with its schema, text as nothing", () => {
    const schema = { type: "object", properties: { a: { type: "number" } }, required: ["a"] };
    expect(build({ response_format: { type: "json_object" } }).response_format).toEqual({ type: "json_object" });
    expect(build({ response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } } }).response_format).toEqual({
      type: "json_object",
      json_schema: schema,
    });
    expect(build({ response_format: { type: "text" } }).response_format).toBeUndefined();
    expect(rejection(() => build({ response_format: { type: "json_schema", json_schema: { name: "x" } } })).error.param).toBe(
      "response_format.json_schema.schema",
    );
    expect(rejection(() => build({ response_format: { type: "grammar" } })).error.param).toBe("response_format.type");
  });

  test("reasoning_effort turns thinking on or off; Cohere's own fields pass through and win", () => {
    expect(build({ reasoning_effort: "high" }).thinking).toEqual({ type: "enabled" });
    expect(build({ reasoning_effort: "none" }).thinking).toEqual({ type: "disabled" });
    const documents = [{ data: { text: "doc" } }];
    const out = build({ reasoning_effort: "low", thinking: { type: "enabled", token_budget: 512 }, documents, safety_mode: "STRICT", priority: 1 });
    expect(out).toMatchObject({ thinking: { type: "enabled", token_budget: 512 }, documents, safety_mode: "STRICT", priority: 1 });
  });

  test("refused with 400 naming the parameter: n > 1, logprobs, audio, legacy functions, logit_bias", () => {
    expect(rejection(() => build({ n: 2 }))).toMatchObject({ status: 400, error: { param: "n", type: "invalid_request_error" } });
    expect(rejection(() => build({ logprobs: true })).error.param).toBe("logprobs");
    expect(rejection(() => build({ top_logprobs: 2 })).error.param).toBe("top_logprobs");
    expect(rejection(() => build({ modalities: ["text", "audio"] })).error.param).toBe("modalities");
    expect(rejection(() => build({ functions: [{ name: "f" }] })).error.param).toBe("functions");
    expect(rejection(() => build({ logit_bias: { "50256": -100 } })).error.param).toBe("logit_bias");
    expect(build({ n: 1, logprobs: false, logit_bias: {} }).messages).toHaveLength(1);
  });
});

describe("tools", () => {
  const tools = [
    {
      type: "function",
      function: { name: "weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true },
    },
    { type: "function", function: { name: "now" } },
  ];

  test("function tools keep name, description and parameters; strict becomes strict_tools", () => {
    const out = build({ tools });
    expect(out.tools).toEqual([
      { type: "function", function: { name: "weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } } } } },
      { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } },
    ]);
    expect(out.strict_tools).toBe(true);
    expect(out.tool_choice).toBeUndefined();
    expect(build({ tools: [tools[1]] }).strict_tools).toBeUndefined();
  });

  test("tool_choice: auto → unset, none → NONE, required → REQUIRED, a named function → that tool alone, REQUIRED", () => {
    expect(build({ tools, tool_choice: "auto" }).tool_choice).toBeUndefined();
    expect(build({ tools, tool_choice: "none" }).tool_choice).toBe("NONE");
    expect(build({ tools, tool_choice: "required" }).tool_choice).toBe("REQUIRED");
    const named = build({ tools, tool_choice: { type: "function", function: { name: "now" } } });
    expect(named.tool_choice).toBe("REQUIRED");
    expect(named.tools!.map((t) => t.function.name)).toEqual(["now"]);
  });

  test("refused: a named function not among the tools, tool_choice without tools, non-function tools", () => {
    expect(rejection(() => build({ tools, tool_choice: { type: "function", function: { name: "nope" } } })).error.param).toBe("tool_choice");
    expect(rejection(() => build({ tool_choice: "required" })).error.param).toBe("tool_choice");
    expect(build({ tool_choice: "none" }).tool_choice).toBeUndefined();
    expect(rejection(() => build({ tools: [{ type: "web_search" }] })).error.param).toBe("tools[0].type");
  });
});
