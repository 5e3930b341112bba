import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { geminiAdapter } from "../../../src/providers/gemini/index.ts";
import { fixtureText, target } from "./helpers.ts";

const parse = (body: unknown, model = "gemini-3-pro-preview") =>
  geminiAdapter.parseResponse(typeof body === "string" ? body : JSON.stringify(body), target(model));
const failure = (body: unknown) => {
  try {
    parse(body);
  } catch (e) {
    if (e instanceof UpstreamError) return e.mapped;
    throw e;
  }
  throw new Error("expected an error");
};
const candidate = (parts: unknown[], finishReason = "STOP", extra = {}) => ({
  candidates: [{ content: { parts, role: "model" }, finishReason, index: 0, ...extra }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  modelVersion: "gemini-2.5-flash",
  responseId: "resp1",
});

describe("recorded responses", () => {
  test("google-text.json: text, usage with thinking counted as reasoning", () => {
    const res = parse(fixtureText("google-text.json"));
    expect(res).toMatchObject({ id: "chatcmpl-Un6LacrVMcjUxs0PmJfWoQc", object: "chat.completion", model: "gemini-3-pro-preview" });
    expect(res.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y." },
        finish_reason: "stop",
      },
    ]);
    expect(res.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 28 + 244,
      total_tokens: 281,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 244 },
    });
  });

  test.each(["google-tool-call.json", "google-tool-call-gemini3.json"])("%s: a tool call carrying its thought signature, finish tool_calls", (name) => {
    const recorded = JSON.parse(fixtureText(name));
    const res = parse(recorded);
    const msg = res.choices[0].message as any;
    expect(msg.content).toBeNull();
    expect(msg.tool_calls).toHaveLength(1);
    const [call] = msg.tool_calls;
    expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(call.type).toBe("function");
    expect(call.function).toEqual({ name: "weather", arguments: '{"location":"San Francisco"}' });
    expect(call.extra_content).toEqual({ google: { thought_signature: recorded.candidates[0].content.parts[0].thoughtSignature } });
    expect(res.choices[0].finish_reason).toBe("tool_calls");
    expect(res.usage!.completion_tokens).toBe(recorded.usageMetadata.candidatesTokenCount + recorded.usageMetadata.thoughtsTokenCount);
    expect(res.usage!.total_tokens).toBe(recorded.usageMetadata.totalTokenCount);
  });
});

describe("parts and candidates", () => {
  test("thought parts become reasoning_content, the rest content; parallel calls each get an id", () => {
    const res = parse(
      candidate([
        { text: "Thinking about the weather.", thought: true },
        { text: "Let me check. " },
        { functionCall: { name: "a", args: { x: 1 } }, thoughtSignature: "U0lH" },
        { functionCall: { name: "b" } },
      ]),
    );
    const msg = res.choices[0].message as any;
    expect(msg.reasoning_content).toBe("Thinking about the weather.");
    expect(msg.content).toBe("Let me check. ");
    expect(msg.tool_calls.map((c: any) => [c.function.name, c.function.arguments, c.extra_content?.google.thought_signature])).toEqual([
      ["a", '{"x":1}', "U0lH"],
      ["b", "{}", undefined],
    ]);
    expect(new Set(msg.tool_calls.map((c: any) => c.id)).size).toBe(2);
    expect(res.model).toBe("gemini-2.5-flash");
  });

  test("one choice per candidate, by index", () => {
    const res = parse({
      candidates: [
        { content: { parts: [{ text: "one" }], role: "model" }, finishReason: "STOP", index: 0 },
        { content: { parts: [{ text: "two" }], role: "model" }, finishReason: "MAX_TOKENS", index: 1 },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    });
    expect(res.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "one", "stop"],
      [1, "two", "length"],
    ]);
  });

  test("cached tokens are part of the prompt and reported as cached_tokens", () => {
    const res = parse({
      ...candidate([{ text: "x" }]),
      usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 10, thoughtsTokenCount: 5, totalTokenCount: 1015 },
    });
    expect(res.usage).toEqual({
      prompt_tokens: 1000,
      completion_tokens: 15,
      total_tokens: 1015,
      prompt_tokens_details: { cached_tokens: 800 },
      completion_tokens_details: { reasoning_tokens: 5 },
    });
  });
});

describe("finish reasons and refusals", () => {
  test.each([
    ["STOP", "stop"],
    ["MAX_TOKENS", "length"],
    ["SAFETY", "content_filter"],
    ["RECITATION", "content_filter"],
    ["BLOCKLIST", "content_filter"],
    ["PROHIBITED_CONTENT", "content_filter"],
    ["SPII", "content_filter"],
    ["OTHER", "stop"],
    ["SOMETHING_NEW", "stop"],
  ])("%s → %s", (reason, expected) => {
    expect(parse(candidate([{ text: "x" }], reason)).choices[0].finish_reason).toBe(expected);
  });

  test("SAFETY with no content: content null, content_filter", () => {
    const res = parse({ candidates: [{ finishReason: "SAFETY", index: 0, safetyRatings: [] }], usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } });
    expect(res.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter" });
  });

  test("MALFORMED_FUNCTION_CALL is a 502 naming the reason, not an empty answer", () => {
    const m = failure(candidate([], "MALFORMED_FUNCTION_CALL", { finishMessage: "Malformed function call: print(" }));
    expect(m.status).toBe(502);
    expect(m.error.code).toBe("malformed_function_call");
    expect(m.error.message).toContain("Malformed function call: print(");
  });

  test("MISSING_THOUGHT_SIGNATURE tells the client what to send back", () => {
    const m = failure(candidate([], "MISSING_THOUGHT_SIGNATURE"));
    expect(m.status).toBe(400);
    expect(m.error.message).toContain("extra_content.google.thought_signature");
  });

  test("a blocked prompt is a 400 content_filter error", () => {
    const m = failure({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } });
    expect(m).toMatchObject({ status: 400, error: { type: "invalid_request_error", code: "content_filter" } });
    expect(m.error.message).toContain("blockReason: SAFETY");
  });

  test("bodies that are not answers", () => {
    expect(failure("<html>").status).toBe(502);
    expect(failure({ candidates: [] }).error.code).toBe("bad_upstream_response");
    expect(failure({ error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } })).toMatchObject({ status: 503, error: { message: "overloaded" } });
  });
});
