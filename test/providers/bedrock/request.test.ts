import { describe, expect, test } from "bun:test";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import { nativeRequest } from "../../../src/providers/bedrock/request.ts";

const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const req = (over: Partial<ChatRequestBody> & { messages: ChatRequestBody["messages"] }): ChatRequestBody => ({ model: `bedrock/${CLAUDE}`, ...over });
const build = (over: Partial<ChatRequestBody> & { messages: ChatRequestBody["messages"] }, model = CLAUDE, stream = false) =>
  nativeRequest(req(over), model, stream);
const rejected = (f: () => unknown): { mapped: ReturnType<typeof toWire> } => {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return { mapped: toWire(e) };
    throw e;
  }
  throw new Error("expected a 400");
};

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("messages", () => {
  test("system and developer messages, wherever they are, become system blocks in order", () => {
    const body = build({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
        { role: "developer", content: [{ type: "text", text: "answer in French" }] },
        { role: "assistant", content: "salut" },
        { role: "user", content: "again" },
      ],
    });
    expect(body.system).toEqual([{ text: "be brief" }, { text: "answer in French" }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "hi" }] },
      { role: "assistant", content: [{ text: "salut" }] },
      { role: "user", content: [{ text: "again" }] },
    ]);
    expect(body.inferenceConfig).toBeUndefined();
    expect(body.toolConfig).toBeUndefined();
  });

  test("a data-URL image becomes image bytes; an http URL is a 400 naming the part", () => {
    const body = build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/jpg;base64,AAAA" } },
          ],
        },
      ],
    });
    expect(body.messages[0].content).toEqual([{ text: "what is this?" }, { image: { format: "jpeg", source: { bytes: "AAAA" } } }]);
    const err = rejected(() => build({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] }));
    expect(err.mapped.status).toBe(400);
    expect(err.mapped.error.param).toBe("messages[0].content[0].image_url.url");
    expect(err.mapped.error.message).toContain("base64 data URL");
    const tiff = rejected(() => build({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/tiff;base64,AAAA" } }] }] }));
    expect(tiff.mapped.error.message).toContain("png, jpeg, gif or webp");
    // A media type spelling an Object.prototype member is an unsupported type, not a table hit.
    for (const type of ["constructor", "__proto__", "toString"]) {
      const odd = rejected(() => build({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:${type};base64,AAAA` } }] }] }));
      expect(odd.mapped.status).toBe(400);
      expect(odd.mapped.error.message).toContain("png, jpeg, gif or webp");
    }
  });

  test("tool round trip: toolUse in the assistant turn, consecutive results merged into one user turn, next user text joins it", () => {
    const body = build({
      tools: [weatherTool],
      messages: [
        { role: "user", content: "weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "tooluse_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "tooluse_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "tooluse_1", content: "sunny" },
        { role: "tool", tool_call_id: "tooluse_2", content: [{ type: "text", text: "rain" }] },
        { role: "user", content: "and tomorrow?" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "tooluse_2", name: "get_weather", input: { city: "Rome" } } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "tooluse_1", content: [{ text: "sunny" }] } },
          { toolResult: { toolUseId: "tooluse_2", content: [{ text: "rain" }] } },
          { text: "and tomorrow?" },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "get_weather", description: "Weather in a city", inputSchema: { json: weatherTool.function.parameters } } }],
      toolChoice: { auto: {} },
    });
  });

  test("echoed reasoning blocks go back before the text and the tool call they came with", () => {
    const body = build({
      tools: [weatherTool],
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "t1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              reasoning_blocks: [{ reasoningText: { text: "think", signature: "S1" } }, { redactedContent: "UkVE" }],
            },
            {
              id: "t2",
              type: "function",
              function: { name: "get_weather", arguments: "" },
              reasoning_blocks: [{ reasoningText: { text: "again", signature: "S2" } }],
            },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "sunny" },
        { role: "tool", tool_call_id: "t2", content: "" },
      ],
    });
    expect(body.messages[1].content).toEqual([
      { reasoningContent: { reasoningText: { text: "think", signature: "S1" } } },
      { reasoningContent: { redactedContent: "UkVE" } },
      { text: "Checking." },
      { toolUse: { toolUseId: "t1", name: "get_weather", input: { city: "Paris" } } },
      { reasoningContent: { reasoningText: { text: "again", signature: "S2" } } },
      { toolUse: { toolUseId: "t2", name: "get_weather", input: {} } },
    ]);
    expect(body.messages[2].content[1]).toEqual({ toolResult: { toolUseId: "t2", content: [] } });
    const tampered = rejected(() =>
      build({
        tools: [weatherTool],
        messages: [
          { role: "user", content: "x" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "t", type: "function", function: { name: "f", arguments: "{}" }, reasoning_blocks: [{ reasoningText: { text: "no signature" } }] },
            ],
          },
        ],
      }),
    );
    expect(tampered.mapped.error.param).toBe("messages[1].tool_calls[0].reasoning_blocks[0]");
  });

  test("blank assistant text is dropped, and an empty assistant message disappears", () => {
    const body = build({
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "  " },
        { role: "user", content: "b" },
      ],
    });
    expect(body.messages).toEqual([{ role: "user", content: [{ text: "a" }, { text: "b" }] }]);
  });

  test("bad tool arguments and the legacy function role are 400s naming the field", () => {
    const args = rejected(() =>
      build({
        tools: [weatherTool],
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{not json" } }] },
        ],
      }),
    );
    expect(args.mapped.error.param).toBe("messages[1].tool_calls[0].function.arguments");
    const fn = rejected(() =>
      build({
        messages: [
          { role: "user", content: "x" },
          { role: "function", name: "f", content: "r" },
        ],
      }),
    );
    expect(fn.mapped.error.param).toBe("messages[1].role");
  });
});

describe("prompt caching (cache_control → cachePoint)", () => {
  const cc = { type: "ephemeral" };
  const point = { cachePoint: { type: "default" as const } };

  test("a cachePoint follows what the client marked: a system part, a user part, a whole message, a tool; the TTL is kept", () => {
    const body = build({
      messages: [
        {
          role: "system",
          content: [
            { type: "text", text: "rules" },
            { type: "text", text: "long manual", cache_control: { type: "ephemeral", ttl: "1h" } },
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
      ] as any,
      tools: [{ ...weatherTool, cache_control: cc }] as any,
    });
    expect(body.system).toEqual([{ text: "rules" }, { text: "long manual" }, { cachePoint: { type: "default", ttl: "1h" } }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "document" }, point, { text: "question" }] },
      { role: "assistant", content: [{ text: "answer" }, point] },
      { role: "user", content: [{ text: "follow-up" }] },
    ]);
    expect(body.toolConfig!.tools).toEqual([{ toolSpec: expect.objectContaining({ name: "get_weather" }) }, point]);
  });

  test("a breakpoint on a part of a tool result or of assistant text marks the whole message (Converse gets them joined)", () => {
    const body = build({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [{ type: "text", text: "let me look", cache_control: cc }],
          tool_calls: [{ id: "t1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
        },
        {
          role: "tool",
          tool_call_id: "t1",
          content: [
            { type: "text", text: "sunny" },
            { type: "text", text: " all week", cache_control: cc },
          ],
        },
      ] as any,
      tools: [weatherTool] as any,
    });
    expect(body.messages[1]!.content.at(-1)).toEqual(point);
    expect(body.messages[2]!.content).toEqual([{ toolResult: { toolUseId: "t1", content: [{ text: "sunny all week" }] } }, point]);
  });

  test("a top-level cache_control (automatic caching) becomes a checkpoint at the end of the prompt", () => {
    const body = build({ messages: [{ role: "user", content: "long document" }], cache_control: cc } as any);
    expect(body.messages).toEqual([{ role: "user", content: [{ text: "long document" }, point] }]);
    expect(JSON.stringify(body)).not.toContain("cache_control");
  });

  test("without cache_control nothing changes: system parts are joined into one block", () => {
    const body = build({
      messages: [
        {
          role: "system",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
        { role: "user", content: "q" },
      ] as any,
    });
    expect(body.system).toEqual([{ text: "ab" }]);
    expect(JSON.stringify(body)).not.toContain("cachePoint");
  });
});

describe("tool_choice", () => {
  const base = { messages: [{ role: "user", content: "x" }], tools: [weatherTool] };
  test.each([
    [undefined, { auto: {} }],
    ["auto", { auto: {} }],
    ["required", { any: {} }],
    [{ type: "function", function: { name: "get_weather" } }, { tool: { name: "get_weather" } }],
  ])("%j → %j", (choice, expected) => {
    expect(build({ ...base, tool_choice: choice }).toolConfig!.toolChoice).toEqual(expected as any);
  });

  test("none sends no toolConfig at all", () => {
    expect(build({ ...base, tool_choice: "none" }).toolConfig).toBeUndefined();
  });

  test("without a toolConfig (none, or no tools), earlier tool calls and results are written out as text", () => {
    const messages = [
      { role: "user", content: "weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "t1", content: "sunny" },
    ];
    for (const body of [build({ messages, tools: [weatherTool], tool_choice: "none" }), build({ messages })]) {
      expect(body.toolConfig).toBeUndefined();
      expect(body.messages).toEqual([
        { role: "user", content: [{ text: "weather?" }] },
        { role: "assistant", content: [{ text: '[tool call t1: get_weather({"city":"Paris"})]' }] },
        { role: "user", content: [{ text: "[tool result t1: sunny]" }] },
      ]);
      expect(JSON.stringify(body)).not.toContain("toolUse");
    }
  });

  test("required or a named tool without tools is a 400", () => {
    expect(rejected(() => build({ messages: base.messages, tool_choice: "required" })).mapped.error.param).toBe("tool_choice");
  });

  test("missing parameters become an empty object schema; strict passes through", () => {
    const body = build({ messages: base.messages, tools: [{ type: "function", function: { name: "ping", strict: true } }] });
    expect(body.toolConfig!.tools[0]).toEqual({ toolSpec: { name: "ping", inputSchema: { json: { type: "object", properties: {} } }, strict: true } });
  });
});

describe("parameters", () => {
  const messages = [{ role: "user", content: "x" }];

  test("inferenceConfig from max_completion_tokens (over max_tokens), temperature, top_p, stop", () => {
    const body = build({ messages, max_tokens: 10, max_completion_tokens: 20, temperature: 0.3, top_p: 0.9, stop: "END" });
    expect(body.inferenceConfig).toEqual({ maxTokens: 20, temperature: 0.3, topP: 0.9, stopSequences: ["END"] });
    expect(build({ messages, stop: ["a", "b"] }).inferenceConfig).toEqual({ stopSequences: ["a", "b"] });
  });

  test.each([
    [{ n: 2 }, "n"],
    [{ logprobs: true }, "logprobs"],
    [{ temperature: 1.5 }, "temperature"],
    [{ presence_penalty: 0.5 }, "presence_penalty"],
    [{ response_format: { type: "json_object" } }, "response_format"],
    [{ modalities: ["text", "audio"] }, "modalities"],
  ])("%j is a 400 naming %s", (over, param) => {
    const err = rejected(() => build({ messages, ...over }));
    expect(err.mapped.status).toBe(400);
    expect(err.mapped.error.param).toBe(param);
  });

  test("parameters that only concern OpenAI's bookkeeping are ignored, not sent", () => {
    const body = build({
      messages,
      n: 1,
      seed: 3,
      user: "u",
      metadata: { a: "b" },
      store: false,
      parallel_tool_calls: true,
      logprobs: false,
      presence_penalty: 0,
    });
    expect(Object.keys(body)).toEqual(["messages"]);
  });

  test("response_format json_schema → outputConfig with the schema as JSON text", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const body = build({ messages, response_format: { type: "json_schema", json_schema: { name: "thing", schema } } });
    expect(body.outputConfig).toEqual({ textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(schema), name: "thing" } } } });
  });
});

describe("reasoning_effort", () => {
  const messages = [{ role: "user", content: "think" }];

  test("turns on Anthropic thinking with a budget per effort and room for the answer", () => {
    const body = build({ messages, reasoning_effort: "medium" });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 8192 } });
    expect(body.inferenceConfig!.maxTokens).toBe(8192 + 4096);
    expect(build({ messages, reasoning_effort: "low" }, `us.${CLAUDE}`).additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
  });

  test("the client's max_tokens is kept; the budget is at most half of it", () => {
    const body = build({ messages, reasoning_effort: "high", max_completion_tokens: 6000 });
    expect(body.inferenceConfig!.maxTokens).toBe(6000);
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 3000 } });
    expect(rejected(() => build({ messages, reasoning_effort: "low", max_tokens: 1000 })).mapped.error.param).toBe("max_tokens");
  });

  test("none adds nothing; a non-Anthropic model or an unknown effort is a 400", () => {
    expect(build({ messages, reasoning_effort: "none" }).additionalModelRequestFields).toBeUndefined();
    expect(rejected(() => build({ messages, reasoning_effort: "low" }, "amazon.nova-pro-v1:0")).mapped.error.message).toContain("Anthropic");
    expect(rejected(() => build({ messages, reasoning_effort: "extreme" })).mapped.error.param).toBe("reasoning_effort");
  });
});
