import { describe, expect, test } from "bun:test";
import { exportSummary, toFineTuneExample } from "../../../src/traces/export/fine-tune.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

const TOOL = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } };
const example = (overrides: Parameters<typeof makeTrace>[0]) => {
  const res = toFineTuneExample(makeTrace(overrides));
  if ("skip" in res) throw new Error(`skipped: ${res.skip}`);
  return res.example;
};
const skipOf = (r: ReturnType<typeof makeTrace>) => ("skip" in toFineTuneExample(r) ? (toFineTuneExample(r) as { skip: string }).skip : null);

describe("toFineTuneExample", () => {
  test("the request's messages then the answer, no tools when none were sent", () => {
    const ex = example({
      request: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      request_params: { temperature: 0.1 },
      response: [{ role: "assistant", content: "hello", refusal: null, annotations: [] }],
    });
    expect(ex).toEqual({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
    });
  });

  test("tool calls in the format's shape, tools and parallel_tool_calls from the request", () => {
    const ex = example({
      request: [{ role: "user", content: "look it up" }],
      request_params: { tools: [TOOL], tool_choice: "auto", parallel_tool_calls: false },
      // Arguments stored as an object (a translated provider's answer) become the JSON string the format wants.
      response: [{ role: "assistant", content: null, tool_calls: [{ id: "call_1", function: { name: "lookup", arguments: { q: "x" } } }] }],
    });
    expect(ex.messages.at(-1)).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }],
    });
    expect(ex.tools).toEqual([TOOL]);
    expect(ex.parallel_tool_calls).toBe(false);
    expect(Object.keys(ex)).not.toContain("tool_choice");
  });

  test("a conversation: earlier answers are context (weight 0), tool results kept, developer becomes system", () => {
    const ex = example({
      request: [
        { role: "developer", content: "rules" },
        { role: "user", content: "q1" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      request_params: { tools: [TOOL] },
      response: [{ role: "assistant", content: "it is 42" }],
    });
    expect(ex.messages).toEqual([
      { role: "system", content: "rules" },
      { role: "user", content: "q1" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }], weight: 0 },
      { role: "tool", tool_call_id: "c1", content: "42" },
      { role: "assistant", content: "it is 42" },
    ]);
  });

  test("several choices make one example, from the first; a single stored message works too", () => {
    expect(
      example({
        response: [
          { role: "assistant", content: "one" },
          { role: "assistant", content: "two" },
        ],
      }).messages.at(-1),
    ).toEqual({
      role: "assistant",
      content: "one",
    });
    expect(example({ response: { role: "assistant", content: "solo" } }).messages.at(-1)).toEqual({ role: "assistant", content: "solo" });
  });

  test("images are kept; old chat records without request_params still export", () => {
    const parts = [
      { type: "text", text: "what is this" },
      { type: "image_url", image_url: { url: "https://x/y.png" } },
    ];
    expect(example({ request: [{ role: "user", content: parts }], request_params: null }).messages[0]).toEqual({ role: "user", content: parts });
  });

  test("what cannot be an example is skipped with its reason", () => {
    expect(skipOf(makeErrorTrace())).toBe("failed");
    expect(skipOf(makeTrace({ request: null, response: null }))).toBe("no_content");
    expect(skipOf(makeTrace({ response: null }))).toBe("no_content");
    expect(skipOf(makeTrace({ api: "embeddings", request: ["a text"], response: null }))).toBe("not_chat");
    // A Messages call the engine could not translate: stored as Anthropic sent it.
    expect(skipOf(makeTrace({ api: "messages", request_params: null, request: [{ role: "user", content: [{ type: "document" }] }] }))).toBe("not_chat");
    expect(skipOf(makeTrace({ api: "messages", request_params: {}, request: [{ role: "user", content: "translated" }] }))).toBeNull();
    expect(skipOf(makeTrace({ request: "not messages" }))).toBe("not_chat");
    expect(skipOf(makeTrace({ request: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }))).toBe("unsupported");
    expect(skipOf(makeTrace({ response: [{ role: "assistant", content: "" }] }))).toBe("empty_answer");
    expect(skipOf(makeTrace({ response: [] }))).toBe("empty_answer");
  });

  test("a redacted trace exports as stored", () => {
    const ex = example({ request: [{ role: "user", content: "mail [EMAIL]" }], response: [{ role: "assistant", content: "noted [EMAIL]" }] });
    expect(JSON.stringify(ex)).toBe('{"messages":[{"role":"user","content":"mail [EMAIL]"},{"role":"assistant","content":"noted [EMAIL]"}]}');
  });
});

describe("exportSummary", () => {
  test("the counts by reason, in a fixed order, and nothing to explain when nothing was skipped", () => {
    expect(exportSummary(12, { no_content: 1, failed: 2 })).toBe("exported 12, skipped 3 (2 failed, 1 without content)");
    expect(exportSummary(5, {})).toBe("exported 5");
  });
});
