import { describe, expect, test } from "bun:test";
import { anthropicAdapter } from "../../../src/providers/anthropic/index.ts";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { nativeBody, target } from "./helpers.ts";

const ask = (text = "hi") => [{ role: "user", content: text }];

/** The 400 the adapter raises for a request, or a failure when it raises none. */
async function refused(body: Record<string, unknown>, model = "claude-haiku-4-5") {
  try {
    await nativeBody(body as any, model);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const mapped = toWire(e as ApiError);
    expect(mapped.status).toBe(400);
    return mapped.error;
  }
  throw new Error("expected the request to be refused");
}

describe("the HTTP request", () => {
  test("POST {base}/v1/messages with x-api-key, anthropic-version and the config's headers", async () => {
    const t = target("claude-haiku-4-5", { baseUrl: "http://127.0.0.1:9", headers: { "anthropic-beta": "feature-x", "anthropic-version": "1999-01-01" } });
    const req = await anthropicAdapter.buildRequest({ model: "anthropic/claude-haiku-4-5", messages: ask() } as ChatRequestBody, t, false);
    expect(req.url).toBe("http://127.0.0.1:9/v1/messages");
    expect(req.init.method).toBe("POST");
    const headers = req.init.headers as Record<string, string>;
    expect(headers).toEqual({
      "content-type": "application/json",
      "anthropic-beta": "feature-x",
      // the translation is written against this version; a config header cannot change it underneath
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant-test",
    });
  });

  test("the model goes up exactly as written after the prefix; stream only when streaming", async () => {
    expect(await nativeBody({ messages: ask() }, "claude-3-7-sonnet-20250219")).toMatchObject({ model: "claude-3-7-sonnet-20250219" });
    expect((await nativeBody({ messages: ask() })).stream).toBeUndefined();
    expect((await nativeBody({ messages: ask() }, "claude-haiku-4-5", true)).stream).toBe(true);
  });

  test("OpenAI-only fields do not reach Anthropic (which refuses unknown fields)", async () => {
    const sent = await nativeBody({
      messages: ask(),
      seed: 1,
      frequency_penalty: 0.5,
      presence_penalty: 0.5,
      logit_bias: { "1": 2 },
      stream_options: { include_usage: true },
      store: true,
      service_tier: "auto",
      metadata: { team: "a" },
      n: 1,
      some_future_field: true,
    } as any);
    expect(Object.keys(sent).sort()).toEqual(["max_tokens", "messages", "model"]);
  });
});

describe("messages", () => {
  test("every system and developer message, in order, becomes the top-level system", async () => {
    const sent = await nativeBody({
      messages: [
        { role: "system", content: "first" },
        { role: "user", content: "q1" },
        {
          role: "developer",
          content: [
            { type: "text", text: "second" },
            { type: "text", text: " part" },
          ],
        },
        { role: "assistant", content: "a1" },
        { role: "system", content: "third" },
        { role: "user", content: "q2" },
      ],
    });
    expect(sent.system).toEqual([
      { type: "text", text: "first" },
      { type: "text", text: "second part" },
      { type: "text", text: "third" },
    ]);
    expect(sent.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "q1" }] },
      { role: "assistant", content: [{ type: "text", text: "a1" }] },
      { role: "user", content: [{ type: "text", text: "q2" }] },
    ]);
  });

  test("consecutive same-role messages merge into one turn; blank text is left out", async () => {
    const sent = await nativeBody({
      messages: [
        { role: "user", content: "a" },
        {
          role: "user",
          content: [
            { type: "text", text: "b" },
            { type: "text", text: "  " },
          ],
        },
        { role: "user", content: "" },
        { role: "assistant", content: "" },
        { role: "assistant", content: "c" },
      ],
    });
    expect(sent.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "c" }] },
    ]);
    expect(sent.system).toBeUndefined();
  });

  test("images: a data URL becomes a base64 source, an http URL a url source", async () => {
    const sent = await nativeBody({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
          ],
        },
      ],
    });
    expect(sent.messages[0].content).toEqual([
      { type: "text", text: "what is this?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });

  test("a tool round trip: tool_use with parsed input, tool results merged into one user turn before any text", async () => {
    const sent = await nativeBody({
      messages: [
        { role: "user", content: "weather and time in Paris?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            { id: "toolu_01A", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "toolu_01B", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_01A", content: "sunny" },
        { role: "user", content: "and be quick" },
        { role: "tool", tool_call_id: "toolu_01B", content: [{ type: "text", text: "14:00" }] },
      ],
    });
    expect(sent.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "weather and time in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_01B", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_01A", content: "sunny" },
          { type: "tool_result", tool_use_id: "toolu_01B", content: [{ type: "text", text: "14:00" }] },
          { type: "text", text: "and be quick" },
        ],
      },
    ]);
  });

  test("thinking blocks carried on the first tool call open the assistant turn, signature and all", async () => {
    const blocks = [
      { type: "thinking", thinking: "I should look.", signature: "EqQBsig==" },
      { type: "redacted_thinking", data: "EmwKAhgB" },
    ];
    const sent = await nativeBody({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: "Looking.",
          reasoning_content: "I should look.",
          tool_calls: [{ id: "toolu_01A", type: "function", function: { name: "f", arguments: "{}" }, thinking_blocks: blocks }],
        },
        { role: "tool", tool_call_id: "toolu_01A", content: "42" },
      ],
    });
    expect(sent.messages[1].content).toEqual([...blocks, { type: "text", text: "Looking." }, { type: "tool_use", id: "toolu_01A", name: "f", input: {} }]);
    // LiteLLM-style clients keep them on the message; that works too.
    const messageLevel = await nativeBody({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: null,
          thinking_blocks: blocks,
          tool_calls: [{ id: "toolu_01A", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "toolu_01A", content: "42" },
      ],
    });
    expect(messageLevel.messages[1].content.slice(0, 2)).toEqual(blocks);
  });

  test("what cannot be translated is a 400 naming the parameter", async () => {
    const badThinking = await refused({
      messages: [
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" }, thinking_blocks: [{ type: "thinking" }] }],
        },
      ],
    });
    expect(badThinking.param).toBe("messages[0].tool_calls[0].thinking_blocks[0]");
    const badArgs = await refused({
      messages: [{ role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{oops" } }] }],
    });
    expect(badArgs.param).toBe("messages[0].tool_calls[0].function.arguments");
    const arrayArgs = await refused({
      messages: [{ role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "[1]" } }] }],
    });
    expect(arrayArgs.param).toBe("messages[0].tool_calls[0].function.arguments");
    const audio = await refused({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "wav" } }] }] });
    expect(audio.param).toBe("messages[0].content[0].type");
    const file = await refused({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "f" } }] }] });
    expect(file.param).toBe("messages[0].content[0].type");
    const legacy = await refused({ messages: [{ role: "function", name: "f", content: "x" }] });
    expect(legacy.param).toBe("messages[0].role");
  });
});

describe("prompt caching (cache_control)", () => {
  const cc = { type: "ephemeral" } as const;
  const hour = { type: "ephemeral", ttl: "1h" } as const;

  test("a breakpoint on a content part, a whole message, a system part or a tool stays where the client put it", async () => {
    const sent = await nativeBody({
      messages: [
        {
          role: "system",
          content: [
            { type: "text", text: "rules " },
            { type: "text", text: "and a long manual", cache_control: hour },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "document", cache_control: cc },
            { type: "text", text: "question" },
          ],
        },
        { role: "assistant", content: "answer", cache_control: cc },
        { role: "user", content: "follow-up" },
      ],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } }, cache_control: cc }],
    } as any);
    expect(sent.system).toEqual([
      { type: "text", text: "rules " },
      { type: "text", text: "and a long manual", cache_control: hour },
    ]);
    expect(sent.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "document", cache_control: cc },
          { type: "text", text: "question" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "answer", cache_control: cc }] },
      { role: "user", content: [{ type: "text", text: "follow-up" }] },
    ]);
    expect(sent.tools[0].cache_control).toEqual(cc);
  });

  test("on an image, and on a tool result (the message's own or inside its content)", async () => {
    const sent = await nativeBody({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" }, cache_control: cc }] },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "a long result", cache_control: cc },
      ],
    } as any);
    expect(sent.messages[0].content[0]).toEqual({ type: "image", source: { type: "url", url: "https://example.com/a.png" }, cache_control: cc });
    expect(sent.messages[2].content[0]).toEqual({ type: "tool_result", tool_use_id: "toolu_1", content: "a long result", cache_control: cc });
  });

  test("a breakpoint on a part of a tool result moves onto the tool_result (Anthropic refuses it inside)", async () => {
    const sent = await nativeBody({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: "{}" } }] },
        {
          role: "tool",
          tool_call_id: "toolu_1",
          content: [
            { type: "text", text: "page one" },
            { type: "text", text: "page two", cache_control: cc },
          ],
        },
      ],
    } as any);
    expect(sent.messages[2].content[0]).toEqual({
      type: "tool_result",
      tool_use_id: "toolu_1",
      content: [
        { type: "text", text: "page one" },
        { type: "text", text: "page two" },
      ],
      cache_control: cc,
    });
  });

  test("without breakpoints nothing changes: system parts are still joined into one block", async () => {
    const sent = await nativeBody({
      messages: [
        {
          role: "system",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
        ...ask(),
      ],
    });
    expect(sent.system).toEqual([{ type: "text", text: "ab" }]);
    expect(JSON.stringify(sent)).not.toContain("cache_control");
  });

  test("a top-level cache_control (automatic caching) goes up as it is", async () => {
    const sent = await nativeBody({ messages: ask(), cache_control: cc } as any);
    expect(sent.cache_control).toEqual(cc);
    expect((await refused({ messages: ask(), cache_control: true })).param).toBe("cache_control");
  });

  test("a cache_control that is not an object is a 400 naming where it is", async () => {
    const err = await refused({ messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: "ephemeral" }] }] });
    expect(err.param).toBe("messages[0].content[0].cache_control");
  });
});

describe("parameters", () => {
  test("max_tokens: the client's (max_completion_tokens first), else the model's max output", async () => {
    expect((await nativeBody({ messages: ask(), max_tokens: 300 })).max_tokens).toBe(300);
    expect((await nativeBody({ messages: ask(), max_tokens: 300, max_completion_tokens: 200 })).max_tokens).toBe(200);
    const defaults: Array<[string, number]> = [
      ["claude-haiku-4-5", 64_000],
      ["claude-opus-4-1-20250805", 32_000],
      ["claude-opus-4-6", 128_000],
      ["claude-sonnet-4-6", 64_000],
      ["claude-3-5-haiku-20241022", 8192],
      ["claude-fable-5", 128_000],
      ["some-proxy-model", 4096],
    ];
    for (const [model, max] of defaults) expect([model, (await nativeBody({ messages: ask() }, model)).max_tokens]).toEqual([model, max]);
  });

  test("stop → stop_sequences; user → metadata.user_id", async () => {
    expect((await nativeBody({ messages: ask(), stop: "END" })).stop_sequences).toEqual(["END"]);
    expect((await nativeBody({ messages: ask(), stop: ["a", "b"] })).stop_sequences).toEqual(["a", "b"]);
    expect((await nativeBody({ messages: ask(), stop: null })).stop_sequences).toBeUndefined();
    expect((await nativeBody({ messages: ask(), user: "user-42" })).metadata).toEqual({ user_id: "user-42" });
  });

  test("tools and tool_choice", async () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather now",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          strict: true,
        },
      },
      { type: "function", function: { name: "ping" } },
    ];
    const sent = await nativeBody({ messages: ask(), tools });
    expect(sent.tools).toEqual([
      {
        name: "get_weather",
        description: "Weather now",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: true,
      },
      { name: "ping", input_schema: { type: "object", properties: {} } },
    ]);
    expect(sent.tool_choice).toBeUndefined();
    const choices: Array<[unknown, unknown]> = [
      ["auto", { type: "auto" }],
      ["none", { type: "none" }],
      ["required", { type: "any" }],
      [
        { type: "function", function: { name: "ping" } },
        { type: "tool", name: "ping" },
      ],
    ];
    for (const [choice, native] of choices) expect((await nativeBody({ messages: ask(), tools, tool_choice: choice })).tool_choice).toEqual(native);
    expect((await nativeBody({ messages: ask(), tools, parallel_tool_calls: false })).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect((await nativeBody({ messages: ask(), tools, tool_choice: "required", parallel_tool_calls: false })).tool_choice).toEqual({
      type: "any",
      disable_parallel_tool_use: true,
    });
    expect((await nativeBody({ messages: ask(), tools, tool_choice: "none", parallel_tool_calls: false })).tool_choice).toEqual({ type: "none" });
    expect((await nativeBody({ messages: ask(), tool_choice: "required" })).tool_choice).toBeUndefined();
    expect((await refused({ messages: ask(), tools: [{ type: "custom", custom: { name: "x" } }] })).param).toBe("tools[0].type");
    expect((await refused({ messages: ask(), tools, tool_choice: { type: "allowed_tools" } })).param).toBe("tool_choice");
  });

  test("response_format: json_schema → output_config.format; json_object is refused", async () => {
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    const sent = await nativeBody({ messages: ask(), response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } } });
    expect(sent.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect((await nativeBody({ messages: ask(), response_format: { type: "text" } })).output_config).toBeUndefined();
    expect((await refused({ messages: ask(), response_format: { type: "json_object" } })).param).toBe("response_format");
  });

  test("n > 1, logprobs and audio out are refused, naming the parameter", async () => {
    expect((await refused({ messages: ask(), n: 2 })).param).toBe("n");
    expect((await refused({ messages: ask(), logprobs: true })).param).toBe("logprobs");
    expect((await refused({ messages: ask(), modalities: ["text", "audio"] })).param).toBe("modalities");
  });
});

describe("reasoning_effort", () => {
  test("budget models: thinking enabled with the table's budget, temperature dropped", async () => {
    const sent = await nativeBody({ messages: ask(), reasoning_effort: "low", temperature: 0.2, max_tokens: 8000 });
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(sent.max_tokens).toBe(8000);
    expect(sent.temperature).toBeUndefined();
    expect(sent.output_config).toBeUndefined();
    const budgets: Array<[string, number]> = [
      ["minimal", 1024],
      ["low", 2048],
      ["medium", 8192],
      ["high", 24_576],
      ["xhigh", 32_768],
      ["max", 49_152],
    ];
    for (const [effort, budget] of budgets) {
      expect([effort, (await nativeBody({ messages: ask(), reasoning_effort: effort })).thinking.budget_tokens]).toEqual([effort, budget]);
    }
  });

  test("a max_tokens at or below the budget is raised above it, within the model's max output", async () => {
    const small = await nativeBody({ messages: ask(), reasoning_effort: "medium", max_tokens: 500 });
    expect(small.thinking.budget_tokens).toBe(8192);
    expect(small.max_tokens).toBe(8692);
    // claude-opus-4-1 stops at 32,000: the budget leaves 1,024 tokens for the answer.
    const capped = await nativeBody({ messages: ask(), reasoning_effort: "max", max_tokens: 100 }, "claude-opus-4-1");
    expect(capped.thinking.budget_tokens).toBe(30_976);
    expect(capped.max_tokens).toBe(31_076);
    expect(capped.max_tokens).toBeGreaterThan(capped.thinking.budget_tokens);
  });

  test("adaptive models: adaptive thinking, summarized display, output_config.effort", async () => {
    const sent = await nativeBody({ messages: ask(), reasoning_effort: "high", max_tokens: 500 }, "claude-opus-4-7");
    expect(sent.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(sent.output_config).toEqual({ effort: "high" });
    expect(sent.max_tokens).toBe(500);
    expect((await nativeBody({ messages: ask(), reasoning_effort: "minimal" }, "claude-sonnet-4-6")).output_config).toEqual({ effort: "low" });
    const withFormat = await nativeBody(
      { messages: ask(), reasoning_effort: "medium", response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } } },
      "claude-sonnet-5",
    );
    expect(withFormat.output_config).toEqual({ effort: "medium", format: { type: "json_schema", schema: { type: "object" } } });
  });

  test("none sends no thinking settings; an unknown level is a 400", async () => {
    const none = await nativeBody({ messages: ask(), reasoning_effort: "none", temperature: 0.3 });
    expect(none.thinking).toBeUndefined();
    expect(none.temperature).toBe(0.3);
    expect((await refused({ messages: ask(), reasoning_effort: "extreme" })).param).toBe("reasoning_effort");
    // Names every object has are not levels either.
    expect((await refused({ messages: ask(), reasoning_effort: "constructor" })).param).toBe("reasoning_effort");
  });
});

describe("sampling", () => {
  test("models before 4.1 take temperature and top_p together", async () => {
    const sent = await nativeBody({ messages: ask(), temperature: 0.4, top_p: 0.8 }, "claude-sonnet-4-20250514");
    expect([sent.temperature, sent.top_p]).toEqual([0.4, 0.8]);
  });

  test("one-of-two models: the neutral value is dropped, two real values are a 400", async () => {
    const neutralTopP = await nativeBody({ messages: ask(), temperature: 0.4, top_p: 1 });
    expect([neutralTopP.temperature, neutralTopP.top_p]).toEqual([0.4, undefined]);
    const neutralTemp = await nativeBody({ messages: ask(), temperature: 1, top_p: 0.8 });
    expect([neutralTemp.temperature, neutralTemp.top_p]).toEqual([undefined, 0.8]);
    expect((await refused({ messages: ask(), temperature: 0.4, top_p: 0.8 })).param).toBe("top_p");
  });

  test("Opus 4.7 and later sample at their defaults only", async () => {
    const sent = await nativeBody({ messages: ask(), temperature: 0.2, top_p: 0.5 }, "claude-opus-4-7");
    expect("temperature" in sent || "top_p" in sent).toBe(false);
  });

  test("with thinking, top_p survives only from 0.95 up", async () => {
    expect((await nativeBody({ messages: ask(), reasoning_effort: "low", top_p: 0.97 })).top_p).toBe(0.97);
    expect((await nativeBody({ messages: ask(), reasoning_effort: "low", top_p: 0.5 })).top_p).toBeUndefined();
  });
});
