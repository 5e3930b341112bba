import { describe, expect, test } from "bun:test";
import { ResponsesStreamEncoder } from "../../../src/dialects/responses/stream.ts";
import type { ChatCompletionChunk } from "../../../src/openai/schema.ts";
import type { StreamChunk } from "../../../src/providers/types.ts";

const TRACE = "0192f0a0-1111-7222-8333-444455556666";
const sc = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: string | null = null): StreamChunk => ({
  chunk: { id: "c", object: "chat.completion.chunk", created: 1700000000, model: "claude-haiku-4-5", choices: [{ index: 0, delta, finish_reason: finish }] },
});
const parse = (text: string) =>
  text
    .split("\n\n")
    .filter(Boolean)
    .map((f) => ({ name: /^event: (.*)$/m.exec(f)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(f)![1]!) }));
const EXTRAS = { _cost: 0.5, _latency_ms: 9, _routing: { provider: "anthropic" } };

describe("ResponsesStreamEncoder", () => {
  test("reasoning, text and two tool calls: each an item with its events, numbered in order; the whole Response at the end", () => {
    const enc = new ResponsesStreamEncoder(TRACE, "anthropic/claude-haiku-4-5", { model: "anthropic/claude-haiku-4-5", instructions: "I" });
    let out = "";
    out += enc.chunk(sc({ role: "assistant", content: "" }));
    out += enc.chunk(sc({ reasoning_content: "hmm " }));
    out += enc.chunk(sc({ reasoning_content: "ok" }));
    out += enc.chunk(sc({ content: "Let " }));
    out += enc.chunk(sc({ content: "me." }));
    out += enc.chunk(sc({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "w", arguments: "" } }] }));
    out += enc.chunk(sc({ tool_calls: [{ index: 0, function: { arguments: '{"c":' } }] }));
    out += enc.chunk(sc({ tool_calls: [{ index: 0, function: { arguments: '"A"}' } }] }));
    out += enc.chunk(sc({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "w", arguments: "{}" } }] }));
    out += enc.chunk(sc({}, "tool_calls"));
    out += enc.end({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }, EXTRAS);
    const events = parse(out);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.name === e.data.type)).toBe(true);
    expect(events.map((e) => e.name)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.reasoning_text.delta",
      "response.reasoning_text.delta",
      "response.reasoning_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[0]!.data.response).toMatchObject({
      id: "resp_0192f0a0111172228333444455556666",
      status: "in_progress",
      model: "claude-haiku-4-5",
      instructions: "I",
    });
    const textDone = events.find((e) => e.name === "response.output_text.done")!.data;
    expect(textDone).toMatchObject({ output_index: 1, content_index: 0, text: "Let me." });
    const argsDone = events.find((e) => e.name === "response.function_call_arguments.done")!.data;
    expect(argsDone).toMatchObject({ output_index: 2, arguments: '{"c":"A"}' });
    const final = events.at(-1)!.data.response;
    expect(final).toMatchObject({ status: "completed", ...EXTRAS });
    expect(final.output.map((o: any) => [o.type, o.call_id ?? null])).toEqual([
      ["reasoning", null],
      ["message", null],
      ["function_call", "call_a"],
      ["function_call", "call_b"],
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 5, output_tokens: 3, total_tokens: 8 });
    // Item ids are unique: the SDK matches events to items by them.
    expect(new Set(final.output.map((o: any) => o.id)).size).toBe(4);
  });

  test("cut at the token limit: response.incomplete with reason max_output_tokens", () => {
    const enc = new ResponsesStreamEncoder(TRACE, "m", { model: "m" });
    const out = enc.chunk(sc({ content: "abc" })) + enc.chunk(sc({}, "length")) + enc.end(null, EXTRAS);
    const last = parse(out).at(-1)!;
    expect(last.name).toBe("response.incomplete");
    expect(last.data.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  });

  test("an empty stream still opens and completes; a failure is an error event with the next number", () => {
    const empty = parse(new ResponsesStreamEncoder(TRACE, "m", { model: "m" }).end(null, EXTRAS));
    expect(empty.map((e) => e.name)).toEqual(["response.created", "response.in_progress", "response.completed"]);
    expect(empty.at(-1)!.data.response.output).toEqual([]);
    const enc = new ResponsesStreamEncoder(TRACE, "m", { model: "m" });
    const opened = parse(enc.chunk(sc({ content: "a" })));
    const err = parse(enc.fail({ status: 502, error: { message: "cut", type: "upstream_error", param: null, code: "stream_interrupted" }, headers: {} }))[0]!;
    expect(err.name).toBe("error");
    expect(err.data).toEqual({ type: "error", code: "stream_interrupted", message: "cut", param: null, sequence_number: opened.length });
  });
});
