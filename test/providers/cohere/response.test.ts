import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { parseResponse } from "../../../src/providers/cohere/response.ts";
import { cohereTarget, fixtureText } from "./helpers.ts";

const parse = (body: unknown) => parseResponse(typeof body === "string" ? body : JSON.stringify(body), cohereTarget());

describe("recorded responses", () => {
  test("text: content, stop, usage from billed units with Cohere's own counts kept", () => {
    const out = parse(fixtureText("cohere-text.json"));
    expect(out).toMatchObject({ id: "e7592632-1e3d-424f-b129-bd5f9f980f7b", object: "chat.completion", model: "command-a-03-2025" });
    expect(out.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "The capital of France is Paris." }, logprobs: null, finish_reason: "stop" },
    ]);
    expect(out.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
      cohere: { billed_units: { input_tokens: 12, output_tokens: 7 }, tokens: { input_tokens: 507, output_tokens: 10 }, cached_tokens: 448 },
    });
    expect(Math.abs(out.created - Date.now() / 1000)).toBeLessThan(5);
  });

  test("tool call: the tool plan is the content, calls keep their ids, finish tool_calls", () => {
    const out = parse(fixtureText("cohere-tool-call.json"));
    const message = out.choices[0].message;
    expect(message.content).toBe(
      "I will use the weather tool to find out the weather in San Francisco. I will also use the cityAttractions tool to find out what attractions are in San Francisco.",
    );
    expect(message.tool_calls).toEqual([
      { id: "weather_dqgshstja6p9", type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } },
      { id: "cityAttractions_dcxfx4myvx68", type: "function", function: { name: "cityAttractions", arguments: '{"city":"San Francisco"}' } },
    ]);
    expect(out.choices[0].finish_reason).toBe("tool_calls");
    expect(out.usage).toMatchObject({ prompt_tokens: 119, completion_tokens: 52, total_tokens: 171 });
  });

  test("max tokens: finish length", () => {
    const out = parse(fixtureText("cohere-max-tokens.json"));
    expect(out.choices[0]).toMatchObject({ message: { content: "**The History of" }, finish_reason: "length" });
  });
});

describe("other shapes", () => {
  const base = {
    id: "x",
    finish_reason: "COMPLETE",
    usage: { billed_units: { input_tokens: 3, output_tokens: 2 }, tokens: { input_tokens: 9, output_tokens: 4 } },
  };

  test("thinking parts are reasoning_content; citations stay on the message", () => {
    const citations = [{ start: 0, end: 1, text: "4", sources: [], type: "TEXT_CONTENT" }];
    const out = parse({
      ...base,
      message: {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "two and two" },
          { type: "text", text: "4" },
        ],
        citations,
      },
    });
    expect(out.choices[0].message).toEqual({ role: "assistant", content: "4", reasoning_content: "two and two", citations });
  });

  test("a call without arguments gets {}; a tool-only answer has content null", () => {
    const out = parse({
      ...base,
      finish_reason: "TOOL_CALL",
      message: { role: "assistant", tool_calls: [{ id: "t", type: "function", function: { name: "now" } }] },
    });
    expect(out.choices[0].message).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "t", type: "function", function: { name: "now", arguments: "{}" } }],
    });
  });

  test("finish reasons: STOP_SEQUENCE → stop, TIMEOUT → length; no billed units → tokens", () => {
    expect(parse({ ...base, finish_reason: "STOP_SEQUENCE", message: { role: "assistant", content: [] } }).choices[0].finish_reason).toBe("stop");
    expect(parse({ ...base, finish_reason: "TIMEOUT", message: { role: "assistant" } }).choices[0].finish_reason).toBe("length");
    const tokensOnly = parse({ ...base, usage: { tokens: { input_tokens: 9, output_tokens: 4 } }, message: { role: "assistant" } });
    expect(tokensOnly.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  });

  test("ERROR, a non-JSON body and a body without message are errors", () => {
    const failed = (body: unknown) => {
      try {
        parse(body);
      } catch (e) {
        if (e instanceof UpstreamError) return e.mapped;
      }
      throw new Error("expected an UpstreamError");
    };
    expect(failed({ ...base, finish_reason: "ERROR", message: { role: "assistant", content: [{ type: "text", text: "half" }] } })).toMatchObject({
      status: 502,
      error: { code: "generation_error" },
    });
    expect(failed("<html>")).toMatchObject({ status: 502, error: { code: "bad_upstream_response" } });
    expect(failed({ id: "x" }).error.message).toContain("no message");
  });
});
