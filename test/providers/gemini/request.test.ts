import { describe, expect, test } from "bun:test";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import { geminiAdapter } from "../../../src/providers/gemini/index.ts";
import { target } from "./helpers.ts";

const build = (body: Partial<ChatRequestBody> & { messages: any[] }, model = "gemini-2.5-flash", stream = false) =>
  geminiAdapter.buildRequest({ model: `gemini/${model}`, ...body } as ChatRequestBody, target(model), stream) as { url: string; init: RequestInit };
const native = (body: Partial<ChatRequestBody> & { messages: any[] }, model?: string) => JSON.parse(build(body, model).init.body as string);
const refusal = (body: Partial<ChatRequestBody> & { messages: any[] }, model?: string) => {
  try {
    build(body, model);
  } catch (e) {
    if (e instanceof ApiError) return toWire(e);
    throw e;
  }
  throw new Error("expected a refusal");
};
const ask = (text: string) => [{ role: "user", content: text }];

describe("URL and credentials", () => {
  test("generateContent and streamGenerateContent?alt=sse under /v1beta/models; the key only in x-goog-api-key", () => {
    const plain = build({ messages: ask("hi") });
    expect(plain.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
    const streamed = build({ messages: ask("hi") }, "gemini-2.5-flash", true);
    expect(streamed.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    const headers = plain.init.headers as Record<string, string>;
    expect(headers["x-goog-api-key"]).toBe("AIza-test");
    expect(headers.authorization).toBeUndefined();
    expect(plain.url).not.toContain("AIza-test");
    expect(plain.init.method).toBe("POST");
  });

  test("a full resource name (tuned model) is used as the path", () => {
    const req = geminiAdapter.buildRequest({ model: "x", messages: ask("hi") } as ChatRequestBody, target("tunedModels/my-model-1"), false) as any;
    expect(req.url).toBe("https://generativelanguage.googleapis.com/v1beta/tunedModels/my-model-1:generateContent");
  });
});

describe("messages → contents", () => {
  test("system and developer messages become systemInstruction; roles become user/model", () => {
    const body = native({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "developer", content: [{ type: "text", text: "and kind" }] },
        {
          role: "user",
          content: [
            { type: "text", text: "how" },
            { type: "text", text: " are you" },
          ],
        },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "be brief" }, { text: "and kind" }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "hi" }] },
      { role: "model", parts: [{ text: "hello" }] },
      { role: "user", parts: [{ text: "how" }, { text: " are you" }] },
    ]);
  });

  test("Gemma takes no systemInstruction: the instructions open the first user turn", () => {
    const body = native(
      {
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hi" },
        ],
      },
      "gemma-3-27b-it",
    );
    expect(body.systemInstruction).toBeUndefined();
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "be brief" }, { text: "hi" }] }]);
  });

  test("consecutive messages of one role share a turn; empty text is not sent", () => {
    const body = native({
      messages: [
        { role: "user", content: "a" },
        { role: "user", content: "" },
        { role: "user", content: "b" },
      ],
    });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "a" }, { text: "b" }] }]);
  });

  test("images: a data URL is inlineData, an http URL fileData with its MIME type from the extension", () => {
    const body = native({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.JPG?size=large" } },
          ],
        },
      ],
    });
    expect(body.contents[0].parts).toEqual([
      { text: "what is this?" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/cat.JPG?size=large" } },
    ]);
  });

  test("an image URL whose type cannot be told is refused, naming the part", () => {
    const m = refusal({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/image" } }] }] });
    expect(m.status).toBe(400);
    expect(m.error.param).toBe("messages[0].content[0].image_url.url");
    expect(m.error.message).toContain("base64 data URL");
  });

  test("audio and files are refused", () => {
    const m = refusal({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "wav" } }] }] });
    expect(m.error.param).toBe("messages[0].content[0].type");
  });

  test("a conversation of system messages only is refused before Gemini refuses it", () => {
    expect(refusal({ messages: [{ role: "system", content: "x" }] }).error.param).toBe("messages");
  });
});

describe("tool round trip", () => {
  const conversation = [
    { role: "user", content: "weather and time in Paris?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_a",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          extra_content: { google: { thought_signature: "c2lnLTE=" } },
        },
        { id: "call_b", type: "function", function: { name: "get_time", arguments: "" } },
      ],
    },
    { role: "tool", tool_call_id: "call_b", content: "12:00" },
    { role: "tool", tool_call_id: "call_a", content: '{"temp":21}' },
    { role: "user", content: "thanks" },
  ];

  test("calls become functionCall parts with their signature; results one user turn of functionResponse parts", () => {
    const body = native({ messages: conversation }, "gemini-3-pro-preview");
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "weather and time in Paris?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "c2lnLTE=" },
          { functionCall: { name: "get_time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_time", response: { result: "12:00" } } },
          { functionResponse: { name: "get_weather", response: { temp: 21 } } },
          { text: "thanks" },
        ],
      },
    ]);
  });

  test("a tool result must answer a call made earlier", () => {
    const m = refusal({
      messages: [
        { role: "user", content: "x" },
        { role: "tool", tool_call_id: "call_zzz", content: "1" },
      ],
    });
    expect(m.error.param).toBe("messages[1].tool_call_id");
  });

  test("arguments must be a JSON object", () => {
    const m = refusal({
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }] },
      ],
    });
    expect(m.error.param).toBe("messages[1].tool_calls[0].function.arguments");
  });

  test("non-object results are wrapped as {result}", () => {
    const results = ["plain words", "42", "[1,2]", "null", '"quoted"'].map((content) => {
      const body = native({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "c", content },
        ],
      });
      return body.contents[2].parts[0].functionResponse.response;
    });
    expect(results).toEqual([{ result: "plain words" }, { result: 42 }, { result: [1, 2] }, { result: null }, { result: "quoted" }]);
  });

  test("legacy function messages and function_call", () => {
    const body = native({
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, function_call: { name: "f", arguments: '{"a":1}' } },
        { role: "function", name: "f", content: "done" },
      ],
      functions: [{ name: "f", parameters: { type: "object", properties: { a: { type: "number" } } } }],
      function_call: { name: "f" },
    });
    expect(body.contents.slice(1)).toEqual([
      { role: "model", parts: [{ functionCall: { name: "f", args: { a: 1 } } }] },
      { role: "user", parts: [{ functionResponse: { name: "f", response: { result: "done" } } }] },
    ]);
    expect(body.tools[0].functionDeclarations[0].name).toBe("f");
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } });
  });
});

describe("tools and tool_choice", () => {
  const tools = [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather now",
        strict: true,
        parameters: {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false,
        },
      },
    },
    { type: "function", function: { name: "ping", parameters: { type: "object", properties: {} } } },
  ];

  test("one tool with every declaration, schemas cleaned, a function without parameters sends none", () => {
    expect(native({ messages: ask("x"), tools }).tools).toEqual([
      {
        functionDeclarations: [
          { name: "get_weather", description: "Weather now", parameters: { type: "OBJECT", properties: { city: { type: "STRING" } }, required: ["city"] } },
          { name: "ping" },
        ],
      },
    ]);
  });

  test.each([
    ["auto", { mode: "AUTO" }],
    ["none", { mode: "NONE" }],
    ["required", { mode: "ANY" }],
    [
      { type: "function", function: { name: "ping" } },
      { mode: "ANY", allowedFunctionNames: ["ping"] },
    ],
    [
      { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "ping" } }] } },
      { mode: "VALIDATED", allowedFunctionNames: ["ping"] },
    ],
    [
      { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "ping" } }] } },
      { mode: "ANY", allowedFunctionNames: ["ping"] },
    ],
  ])("tool_choice %j → %j", (choice, config) => {
    expect(native({ messages: ask("x"), tools, tool_choice: choice }).toolConfig).toEqual({ functionCallingConfig: config });
  });

  test("no tool_choice, no toolConfig; tool_choice without tools", () => {
    expect(native({ messages: ask("x"), tools }).toolConfig).toBeUndefined();
    expect(native({ messages: ask("x"), tool_choice: "none" }).toolConfig).toBeUndefined();
    expect(refusal({ messages: ask("x"), tool_choice: "required" }).error.param).toBe("tool_choice");
  });

  test("non-function tools are refused", () => {
    expect(refusal({ messages: ask("x"), tools: [{ type: "custom", custom: { name: "x" } }] }).error.param).toBe("tools[0].type");
  });
});

describe("generationConfig", () => {
  test("sampling and output parameters", () => {
    const body = native({
      messages: ask("x"),
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 50,
      stop: "END",
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      user: "u1",
      parallel_tool_calls: false,
    });
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 50,
      stopSequences: ["END"],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    });
    expect(Object.keys(body).sort()).toEqual(["contents", "generationConfig"]);
  });

  test("response_format: json_object and json_schema (cleaned)", () => {
    expect(native({ messages: ask("x"), response_format: { type: "json_object" } }).generationConfig).toEqual({ responseMimeType: "application/json" });
    const schema = { type: "object", properties: { n: { type: ["integer", "null"] } }, additionalProperties: false, required: ["n"] };
    expect(native({ messages: ask("x"), response_format: { type: "json_schema", json_schema: { name: "r", strict: true, schema } } }).generationConfig).toEqual(
      {
        responseMimeType: "application/json",
        responseSchema: { type: "OBJECT", properties: { n: { type: "INTEGER", nullable: true } }, required: ["n"] },
      },
    );
  });

  test.each([
    ["gemini-2.5-flash", "low", { thinkingBudget: 1024, includeThoughts: true }],
    ["gemini-2.5-flash", "medium", { thinkingBudget: 8192, includeThoughts: true }],
    ["gemini-2.5-pro", "high", { thinkingBudget: 24576, includeThoughts: true }],
    ["gemini-2.5-flash", "none", { thinkingBudget: 0 }],
    ["gemini-3-pro-preview", "high", { thinkingLevel: "HIGH", includeThoughts: true }],
    ["gemini-3-flash-preview", "minimal", { thinkingLevel: "MINIMAL", includeThoughts: true }],
    ["gemini-3.1-pro-preview", "low", { thinkingLevel: "LOW", includeThoughts: true }],
    ["gemini-3-flash-preview", "none", { thinkingLevel: "MINIMAL" }],
  ])("%s reasoning_effort %s → %j", (model, effort, thinking) => {
    expect(native({ messages: ask("x"), reasoning_effort: effort }, model).generationConfig).toEqual({ thinkingConfig: thinking });
  });

  test.each([
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 2 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["audio", { audio: { voice: "alloy", format: "wav" } }],
    ["modalities", { modalities: ["text", "audio"] }],
    ["prediction", { prediction: { type: "content", content: "x" } }],
    ["web_search_options", { web_search_options: {} }],
    ["reasoning_effort", { reasoning_effort: "extreme" }],
    ["response_format.type", { response_format: { type: "grammar" } }],
  ])("%s, which would change the answer, is refused rather than dropped", (param, extra) => {
    const m = refusal({ messages: ask("x"), ...extra });
    expect(m.status).toBe(400);
    expect(m.error.param).toBe(param);
  });
});
