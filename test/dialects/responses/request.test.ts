import { describe, expect, test } from "bun:test";
import { responsesRequest, toChatRequest } from "../../../src/dialects/responses/request.ts";
import { ApiError } from "../../../src/errors/vocabulary.ts";

const limits = { maxJsonDepth: 64, maxMessages: 100 };
const chat = (body: Record<string, unknown>) => toChatRequest(responsesRequest({ model: "m", ...body }, limits));
const refusal = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
};

describe("responsesRequest", () => {
  test("a wrong type is a 400 naming the parameter as OpenAI does", () => {
    const e = refusal(() => responsesRequest({ model: "m", input: [{ role: "user", content: 5 }] }, limits));
    expect(e.status).toBe(400);
    expect(e.param).toBe("input[0].content");
    expect(refusal(() => responsesRequest({ input: "x" }, limits)).param).toBe("model");
  });

  test("too many input items, and too deep a body, are refused", () => {
    expect(refusal(() => responsesRequest({ model: "m", input: Array.from({ length: 101 }, () => ({ role: "user", content: "x" })) }, limits)).code).toBe(
      "too_many_messages",
    );
    let deep: unknown = "x";
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(refusal(() => responsesRequest({ model: "m", input: deep }, limits)).code).toBe("too_deep");
  });

  test("fields it does not know are kept for the pass-through", () => {
    const body = responsesRequest({ model: "m", input: "x", include: ["reasoning.encrypted_content"], truncation: "auto" }, limits) as Record<string, unknown>;
    expect(body.include).toEqual(["reasoning.encrypted_content"]);
  });
});

describe("toChatRequest", () => {
  test("instructions and a string input: a system and a user message; the parameters in chat's names", () => {
    expect(
      chat({
        instructions: "Be brief.",
        input: "hi",
        max_output_tokens: 50,
        temperature: 0.5,
        top_p: 0.9,
        reasoning: { effort: "low" },
        user: "u1",
        metadata: { a: "b" },
        store: false,
        stream: true,
      }),
    ).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
      stream: true,
      max_completion_tokens: 50,
      temperature: 0.5,
      top_p: 0.9,
      reasoning_effort: "low",
      user: "u1",
    });
  });

  test("message items: parts become chat parts, images by URL, developer becomes system, assistant text is joined", () => {
    const out = chat({
      input: [
        { role: "developer", content: [{ type: "input_text", text: "rules" }] },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "what is this?" },
            { type: "input_image", image_url: "https://x/cat.png", detail: "low" },
          ],
        },
        {
          type: "message",
          role: "assistant",
          content: [
            { type: "output_text", text: "a " },
            { type: "output_text", text: "cat" },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      { role: "system", content: "rules" },
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: "https://x/cat.png", detail: "low" } },
        ],
      },
      { role: "assistant", content: "a cat" },
    ]);
  });

  test("function calls join one assistant turn; outputs become tool messages; reasoning items are left out", () => {
    const out = chat({
      input: [
        { role: "user", content: "two cities" },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "xyz" },
        { type: "function_call", call_id: "c1", name: "w", arguments: '{"city":"A"}' },
        { type: "function_call", call_id: "c2", name: "w", arguments: '{"city":"B"}' },
        { type: "function_call_output", call_id: "c1", output: "sun" },
        { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "rain" }] },
      ],
    });
    expect(out.messages).toEqual([
      { role: "user", content: "two cities" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "w", arguments: '{"city":"A"}' } },
          { id: "c2", type: "function", function: { name: "w", arguments: '{"city":"B"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "sun" },
      { role: "tool", tool_call_id: "c2", content: "rain" },
    ]);
  });

  test("function tools, a named tool_choice, and a JSON schema format in chat's form", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const out = chat({
      input: "x",
      tools: [{ type: "function", name: "f", description: "d", parameters: schema, strict: true }],
      tool_choice: { type: "function", name: "f" },
      parallel_tool_calls: false,
      text: { format: { type: "json_schema", name: "out", schema, strict: true } },
    });
    expect(out.tools).toEqual([{ type: "function", function: { name: "f", description: "d", parameters: schema, strict: true } }]);
    expect(out.tool_choice).toEqual({ type: "function", function: { name: "f" } });
    expect(out.parallel_tool_calls).toBe(false);
    expect(out.response_format).toEqual({ type: "json_schema", json_schema: { name: "out", schema, strict: true } });
    expect(chat({ input: "x", text: { format: { type: "json_object" } } }).response_format).toEqual({ type: "json_object" });
    expect(chat({ input: "x", text: { format: { type: "text" } } }).response_format).toBeUndefined();
  });

  test("what only OpenAI can do is refused with a 400 naming it", () => {
    expect(refusal(() => chat({ input: "x", tools: [{ type: "web_search" }] }))).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      param: "tools[0].type",
    });
    expect(refusal(() => chat({ input: [{ type: "item_reference", id: "msg_1" }] })).param).toBe("input[0].type");
    expect(refusal(() => chat({ input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] })).param).toBe("input[0].content[0]");
    expect(refusal(() => chat({ input: "x", tool_choice: { type: "web_search" } })).param).toBe("tool_choice");
    expect(refusal(() => chat({})).param).toBe("input");
  });
});
