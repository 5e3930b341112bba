import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { parseResponse } from "../../../src/providers/cohere/response.ts";
import { cohereAdapter } from "../../../src/providers/cohere/index.ts";
import { collect, cohereTarget, fixtureEvents, fixtureText, sseBody } from "./helpers.ts";

const run = (events: unknown[], opts?: Parameters<typeof sseBody>[1]) => collect(cohereAdapter.streamChunks(sseBody(events, opts), cohereTarget()));
const text = (chunks: any[]) => chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");

async function failure(events: unknown[], opts?: Parameters<typeof sseBody>[1]) {
  try {
    await run(events, opts);
  } catch (e) {
    if (e instanceof UpstreamError) return e.mapped;
    throw e;
  }
  throw new Error("expected an UpstreamError");
}

describe("recorded streams", () => {
  test("text: role chunk, one chunk per delta, finish chunk, then a choice-less usage chunk", async () => {
    const chunks = await run(fixtureEvents("cohere-text.chunks.txt"));
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(text(chunks)).toBe("The capital of France is Paris.");
    const finish = chunks.at(-2);
    expect(finish.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } });
    expect(usage.usage.cohere.cached_tokens).toBe(448);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: "321d178c-2c12-44d3-ae42-2f5510f6b1cc", object: "chat.completion.chunk", model: "command-a-03-2025" });
    }
  });

  test("the same answer streamed and not streamed gives the same text, finish and usage", async () => {
    const chunks = await run(fixtureEvents("cohere-text.chunks.txt"));
    // cohere-text.json is the recorded non-streamed answer to the same question.
    const full = parseResponse(fixtureText("cohere-text.json"), cohereTarget());
    expect(text(chunks)).toBe(full.choices[0].message.content!);
    expect(chunks.at(-2).choices[0].finish_reason).toBe(full.choices[0].finish_reason);
    expect(chunks.at(-1).usage.prompt_tokens).toBe(full.usage!.prompt_tokens);
  });

  test("tool calls: the plan streams as content, each call on its own index, arguments complete", async () => {
    const chunks = await run(fixtureEvents("cohere-tool-call.chunks.txt"));
    expect(text(chunks)).toBe(
      "I will use the weather tool to find the weather in San Francisco and the cityAttractions tool to find attractions in San Francisco.",
    );
    const calls: Record<number, { id?: string; name?: string; args: string }> = {};
    for (const c of chunks) {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
        calls[tc.index] ??= { args: "" };
        if (tc.id) Object.assign(calls[tc.index], { id: tc.id, name: tc.function.name });
        calls[tc.index].args += tc.function?.arguments ?? "";
      }
    }
    expect(calls).toEqual({
      0: { id: "weather_e8p4pn45zt0t", name: "weather", args: '{"location": "San Francisco"}' },
      1: { id: "cityAttractions_pyxssbwnq9fq", name: "cityAttractions", args: '{"city": "San Francisco"}' },
    });
    expect(chunks.at(-2).choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 119, completion_tokens: 44 });
  });
});

describe("other streams", () => {
  const start = { id: "s1", type: "message-start", delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } };
  const end = (finish = "COMPLETE", extra: Record<string, unknown> = {}) => ({
    type: "message-end",
    delta: { finish_reason: finish, usage: { billed_units: { input_tokens: 5, output_tokens: 3 }, tokens: { input_tokens: 500, output_tokens: 4 } }, ...extra },
  });

  test("a call that streams no arguments is completed with {} at tool-call-end", async () => {
    const chunks = await run([
      start,
      { type: "tool-call-start", index: 0, delta: { message: { tool_calls: { id: "now_1", type: "function", function: { name: "now", arguments: "" } } } } },
      { type: "tool-call-end", index: 0 },
      end("TOOL_CALL"),
    ]);
    const args = chunks
      .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
      .map((tc: any) => tc.function.arguments)
      .join("");
    expect(args).toBe("{}");
  });

  test("thinking streams as reasoning_content; citations arrive once, on the finish chunk", async () => {
    const citation = { start: 0, end: 4, text: "Four", sources: [], type: "TEXT_CONTENT" };
    const chunks = await run([
      start,
      { type: "content-start", index: 0, delta: { message: { content: { type: "thinking", thinking: "" } } } },
      { type: "content-delta", index: 0, delta: { message: { content: { thinking: "two and" } } } },
      { type: "content-delta", index: 0, delta: { message: { content: { thinking: " two" } } } },
      { type: "content-end", index: 0 },
      { type: "content-start", index: 1, delta: { message: { content: { type: "text", text: "" } } } },
      { type: "content-delta", index: 1, delta: { message: { content: { text: "Four." } } } },
      { type: "content-end", index: 1 },
      { type: "citation-start", index: 0, delta: { message: { citations: citation } } },
      { type: "citation-end", index: 0 },
      end(),
    ]);
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe("two and two");
    expect(text(chunks)).toBe("Four.");
    expect(chunks.filter((c) => c.choices[0]?.delta.citations)).toHaveLength(1);
    expect(chunks.at(-2).choices[0].delta).toEqual({ citations: [citation] });
  });

  test("framing: data lines without event names, no [DONE], one byte per read", async () => {
    const events = fixtureEvents("cohere-text.chunks.txt");
    const chunks = await run(events, { eventLines: false, done: false, pieceSize: 1 });
    expect(text(chunks)).toBe("The capital of France is Paris.");
  });

  test("unknown event types are skipped", async () => {
    const chunks = await run([start, { type: "debug", prompt: "..." }, { type: "something-new", x: 1 }, end()]);
    expect(chunks).toHaveLength(3);
  });

  test("a failed generation, an error object, a cut stream and a broken event are errors, not a short answer", async () => {
    expect(await failure([start, end("ERROR", { error: "model crashed" })])).toMatchObject({
      status: 502,
      error: { message: "cohere could not finish the answer: model crashed" },
    });
    expect(await failure([start, { id: "e", message: "internal server error" }])).toMatchObject({ status: 502, error: { message: "internal server error" } });
    expect((await failure([start, { type: "content-delta", index: 0, delta: { message: { content: { text: "half" } } } }])).error.message).toContain(
      "before its message-end",
    );
    expect((await failure([start], { done: true })).error.code).toBe("bad_upstream_response");
    const broken = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("event: message-start\ndata: {not json\n\n"));
        c.close();
      },
    });
    await expect(collect(cohereAdapter.streamChunks(broken, cohereTarget()))).rejects.toThrow("stream event is not JSON");
    const stray = [start, { type: "tool-call-delta", index: 3, delta: { message: { tool_calls: { function: { arguments: "{" } } } } }];
    expect((await failure(stray)).error.message).toContain("before its tool-call-start");
  });
});
