import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "../../../src/openai/schema.ts";
import { anthropicAdapter } from "../../../src/providers/anthropic/index.ts";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { fixtureEvents, sseBody, target, translate } from "./helpers.ts";
import { eachChunk } from "../../helpers/translated-chunks.ts";

const withChoices = (chunks: ChatCompletionChunk[]) => chunks.filter((c) => c.choices.length > 0);
const contentOf = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
const reasoningOf = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("");
const toolDeltas = (chunks: ChatCompletionChunk[]) => chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);

/** Tool calls rebuilt from their deltas, by index. */
function toolCalls(chunks: ChatCompletionChunk[]) {
  const calls: Array<Record<string, any>> = [];
  for (const d of toolDeltas(chunks) as any[]) {
    const call = (calls[d.index] ??= { arguments: "" });
    if (d.id) Object.assign(call, { id: d.id, name: d.function.name, thinking_blocks: d.thinking_blocks });
    call.arguments += d.function?.arguments ?? "";
  }
  return calls;
}

async function failure(events: unknown[]): Promise<{ chunks: ChatCompletionChunk[]; error: UpstreamError }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const { chunk } of eachChunk(anthropicAdapter.streamChunks(sseBody(events), target()))) chunks.push(chunk);
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return { chunks, error: e as UpstreamError };
  }
  throw new Error("expected the stream to fail");
}

describe("recorded streams → OpenAI chunks", () => {
  test("text: a role chunk first, content deltas, the finish chunk, then a usage chunk without choices", async () => {
    const chunks = await translate(fixtureEvents("anthropic-text.chunks.txt"));
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(contentOf(chunks)).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    for (const c of chunks)
      expect(c).toMatchObject({ id: "msg_01QC4g3HwBThD4BaNtBckFDJ", object: "chat.completion.chunk", model: "claude-sonnet-4-5-20250929" });
    const finish = withChoices(chunks).at(-1)!;
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    expect(withChoices(chunks).filter((c) => c.choices[0]!.finish_reason)).toHaveLength(1);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 });
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
  });

  test("text then a tool without arguments: the tool call is index 0 and its arguments are {}", async () => {
    const chunks = await translate(fixtureEvents("anthropic-tool-no-args.chunks.txt"));
    expect(contentOf(chunks)).toBe("I'll update the issue list for you.");
    expect(toolCalls(chunks)).toEqual([{ id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", name: "updateIssueList", arguments: "{}", thinking_blocks: undefined }]);
    expect((toolDeltas(chunks)[0] as any).type).toBe("function");
    expect(withChoices(chunks).at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("a tool's input streams as partial JSON that concatenates to the input", async () => {
    const chunks = await translate(fixtureEvents("anthropic-json-tool.1.chunks.txt"));
    const [call] = toolCalls(chunks);
    expect(call!.id).toBe("toolu_01KFbKqPYSuAKujiL6mTfzYA");
    expect(JSON.parse(call!.arguments)).toEqual({ elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }] });
    // the empty first input_json_delta is not a delta worth sending
    for (const d of toolDeltas(chunks)) if (!(d as any).id) expect(d.function!.arguments).not.toBe("");
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 849, completion_tokens: 47 });
  });

  test("thinking streams as reasoning_content; usage counts the final output", async () => {
    const chunks = await translate(fixtureEvents("anthropic-clear-thinking.1.chunks.txt"));
    expect(reasoningOf(chunks)).toBe("The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185");
    expect(contentOf(chunks)).toBe("925 ÷ 5 = 185");
    expect(toolDeltas(chunks)).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 69, completion_tokens: 53 });
  });

  test("input tokens reported again on message_delta win over message_start's", async () => {
    const chunks = await translate(fixtureEvents("anthropic-message-delta-input-tokens.chunks.txt"));
    expect(contentOf(chunks)).toBe("pong");
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 61, completion_tokens: 2, total_tokens: 63 });
  });
});

describe("streams the recordings do not cover", () => {
  const start = (usage: Record<string, number> = { input_tokens: 20, output_tokens: 1 }) => ({
    type: "message_start",
    message: {
      model: "claude-haiku-4-5-20251001",
      id: "msg_01S",
      type: "message",
      role: "assistant",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });
  const block = (index: number, content_block: unknown) => ({ type: "content_block_start", index, content_block });
  const delta = (index: number, d: unknown) => ({ type: "content_block_delta", index, delta: d });
  const stop = (index: number) => ({ type: "content_block_stop", index });
  const end = (stop_reason: string, usage: Record<string, number> = { output_tokens: 40 }, extra: Record<string, unknown> = {}) => [
    { type: "message_delta", delta: { stop_reason, stop_sequence: null, ...extra }, usage },
    { type: "message_stop" },
  ];

  test("thinking, text and two parallel tool calls: tool indexes count tool calls; the first carries the signed thinking", async () => {
    const chunks = await translate([
      start(),
      block(0, { type: "thinking", thinking: "", signature: "" }),
      { type: "ping" },
      delta(0, { type: "thinking_delta", thinking: "Two " }),
      delta(0, { type: "thinking_delta", thinking: "lookups." }),
      delta(0, { type: "signature_delta", signature: "EqQBsig==" }),
      stop(0),
      block(1, { type: "redacted_thinking", data: "EmwKAhgB" }),
      stop(1),
      block(2, { type: "text", text: "" }),
      delta(2, { type: "text_delta", text: "Checking." }),
      stop(2),
      block(3, { type: "tool_use", id: "toolu_01A", name: "get_weather", input: {} }),
      delta(3, { type: "input_json_delta", partial_json: "" }),
      delta(3, { type: "input_json_delta", partial_json: '{"city": "Pa' }),
      delta(3, { type: "input_json_delta", partial_json: 'ris"}' }),
      stop(3),
      block(4, { type: "tool_use", id: "toolu_01B", name: "get_time", input: {} }),
      delta(4, { type: "input_json_delta", partial_json: '{"tz":"Europe/Paris"}' }),
      stop(4),
      ...end("tool_use", { output_tokens: 80 }),
    ]);
    expect([...new Set(toolDeltas(chunks).map((d) => d.index))]).toEqual([0, 1]);
    expect(toolCalls(chunks)).toEqual([
      {
        id: "toolu_01A",
        name: "get_weather",
        arguments: '{"city": "Paris"}',
        thinking_blocks: [
          { type: "thinking", thinking: "Two lookups.", signature: "EqQBsig==" },
          { type: "redacted_thinking", data: "EmwKAhgB" },
        ],
      },
      { id: "toolu_01B", name: "get_time", arguments: '{"tz":"Europe/Paris"}', thinking_blocks: undefined },
    ]);
    expect(reasoningOf(chunks)).toBe("Two lookups.");
    expect(contentOf(chunks)).toBe("Checking.");
    expect(withChoices(chunks).at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("cache reads and writes from message_start reach the usage chunk", async () => {
    const chunks = await translate([
      start({ input_tokens: 5, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 1 }),
      block(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "ok" }),
      stop(0),
      ...end("end_turn", { output_tokens: 3 }),
    ]);
    expect(chunks.at(-1)!.usage).toEqual({
      prompt_tokens: 1205,
      completion_tokens: 3,
      total_tokens: 1208,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test("a refusal ends with content_filter and its explanation as a refusal delta", async () => {
    const chunks = await translate([start(), ...end("refusal", { output_tokens: 5 }, { stop_details: { type: "refusal", explanation: "Blocked." } })]);
    expect(withChoices(chunks).at(-1)!.choices[0]).toMatchObject({ delta: { refusal: "Blocked." }, finish_reason: "content_filter" });
  });

  test("an error event mid-stream throws UpstreamError after what came before", async () => {
    const { chunks, error } = await failure([
      start(),
      block(0, { type: "text", text: "" }),
      delta(0, { type: "text_delta", text: "Hel" }),
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      delta(0, { type: "text_delta", text: "lo" }),
    ]);
    expect(contentOf(chunks)).toBe("Hel");
    expect(error.mapped).toMatchObject({ status: 529, error: { type: "overloaded_error", message: "Overloaded" } });
  });

  test("a stream cut before message_stop is an error, not a short answer", async () => {
    const { error } = await failure([start(), block(0, { type: "text", text: "" }), delta(0, { type: "text_delta", text: "Hel" })]);
    expect(error.mapped.status).toBe(502);
    expect(error.mapped.error.message).toContain("before message_stop");
  });

  test("unknown events and block types are skipped", async () => {
    const chunks = await translate([
      start(),
      { type: "something_new", payload: 1 },
      block(0, { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }),
      delta(0, { type: "input_json_delta", partial_json: '{"q":"x"}' }),
      stop(0),
      block(1, { type: "text", text: "" }),
      delta(1, { type: "citations_delta", citation: {} }),
      delta(1, { type: "text_delta", text: "done" }),
      stop(1),
      ...end("end_turn"),
    ]);
    expect(contentOf(chunks)).toBe("done");
    expect(toolDeltas(chunks)).toEqual([]);
  });
});
