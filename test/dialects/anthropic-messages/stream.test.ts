import { describe, expect, test } from "bun:test";
import { MessagesStreamEncoder } from "../../../src/dialects/anthropic-messages/stream.ts";
import type { ChatCompletionChunk } from "../../../src/openai/schema.ts";
import type { StreamChunk } from "../../../src/providers/types.ts";

const TRACE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
type Delta = ChatCompletionChunk["choices"][number]["delta"];
const chunk = (delta: Delta, finish: string | null = null, extra: Partial<StreamChunk> = {}): StreamChunk => ({
  chunk: { id: "chatcmpl-9", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta, finish_reason: finish }] },
  ...extra,
});

/** Frames → [event, data]; checks each frame's event name matches its data's type. */
function parse(text: string): Array<[string, any]> {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((f) => {
      const [e, d] = f.split("\n");
      const name = e!.replace(/^event: /, "");
      const data = JSON.parse(d!.replace(/^data: /, ""));
      expect(data.type).toBe(name);
      return [name, data];
    });
}

/** What the Anthropic SDK's accumulator does with the events: the final content blocks. */
function assemble(events: Array<[string, any]>): any[] {
  const content: any[] = [];
  const json: string[] = [];
  for (const [name, d] of events) {
    if (name === "content_block_start") content[d.index] = structuredClone(d.content_block);
    if (name === "content_block_delta") {
      const b = content[d.index];
      if (d.delta.type === "text_delta") b.text += d.delta.text;
      if (d.delta.type === "thinking_delta") b.thinking += d.delta.thinking;
      if (d.delta.type === "signature_delta") b.signature = d.delta.signature;
      if (d.delta.type === "input_json_delta") json[d.index] = (json[d.index] ?? "") + d.delta.partial_json;
    }
  }
  json.forEach((j, i) => {
    if (j !== undefined) content[i].input = JSON.parse(j);
  });
  return content;
}

function run(chunks: StreamChunk[], usage = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 }): Array<[string, any]> {
  const enc = new MessagesStreamEncoder(TRACE, "openai/gpt-4o");
  let out = "";
  for (const c of chunks) out += enc.chunk(c);
  out += enc.end(usage, { _cost: 0.5, _latency_ms: 12, _routing: { provider: "openai" } });
  return parse(out);
}

describe("MessagesStreamEncoder", () => {
  test("text: message_start, one text block, message_delta with usage and extras, message_stop", () => {
    const events = run([chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), chunk({ content: "lo" }), chunk({}, "stop")]);
    expect(events.map(([n]) => n)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]![1].message).toMatchObject({
      id: "msg_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b",
      type: "message",
      role: "assistant",
      model: "gpt-4o",
      content: [],
      stop_reason: null,
    });
    expect(assemble(events)).toEqual([{ type: "text", text: "Hello" }]);
    expect(events[5]![1]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      _cost: 0.5,
      _latency_ms: 12,
      _routing: { provider: "openai" },
    });
  });

  test("thinking then text then two tool calls: blocks in order, each stopped before the next starts, arguments intact", () => {
    const args1 = '{"city": "Oslo \\"N\\"", "n": [1,2]}';
    const events = run([
      chunk({ role: "assistant", content: "" }),
      chunk({ reasoning_content: "Let me " }),
      chunk({ reasoning_content: "think." }),
      chunk({ content: "Checking." }),
      chunk({ tool_calls: [{ index: 0, id: "toolu_1", type: "function", function: { name: "w", arguments: "" } }] }),
      ...[...args1].map((c) => chunk({ tool_calls: [{ index: 0, function: { arguments: c } }] })),
      chunk({ tool_calls: [{ index: 1, id: "toolu_2", type: "function", function: { name: "t", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
    ]);
    const textStart = events.findIndex(([n, d]) => n === "content_block_start" && d.content_block.type === "text");
    expect(events[textStart - 1]).toEqual(["content_block_stop", { type: "content_block_stop", index: 0 }]);
    expect(assemble(events)).toEqual([
      { type: "thinking", thinking: "Let me think.", signature: "" },
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "toolu_1", name: "w", input: JSON.parse(args1) },
      { type: "tool_use", id: "toolu_2", name: "t", input: {} },
    ]);
    const starts = events.filter(([n]) => n === "content_block_start").map(([, d]) => d.index);
    const stops = events.filter(([n]) => n === "content_block_stop").map(([, d]) => d.index);
    expect(starts).toEqual([0, 1, 2, 3]);
    expect(stops).toEqual([0, 1, 2, 3]);
    expect(events.at(-2)![1].delta.stop_reason).toBe("tool_use");
  });

  test("usage chunks (choices: []) produce nothing; length is max_tokens; a stream without chunks still opens and closes", () => {
    const usageOnly: StreamChunk = {
      chunk: {
        id: "x",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    };
    const events = run([chunk({ content: "a" }), chunk({}, "length"), usageOnly]);
    expect(events.map(([n]) => n).filter((n) => n === "content_block_start")).toHaveLength(1);
    expect(events.at(-2)![1].delta.stop_reason).toBe("max_tokens");
    expect(run([]).map(([n]) => n)).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  test("a failure is an error event in Anthropic's shape", () => {
    const enc = new MessagesStreamEncoder(TRACE, "m");
    const out = enc.fail({ status: 529, error: { message: "Overloaded", type: "overloaded_error", param: null, code: null }, headers: {} });
    expect(parse(out)).toEqual([["error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: null }]]);
  });
});
