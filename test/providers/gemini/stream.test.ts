import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { geminiAdapter } from "../../../src/providers/gemini/index.ts";
import { accumulate, collect, fixtureEvents, sseBody, target } from "./helpers.ts";

const run = (events: unknown[], model = "gemini-3-pro-preview", cut = 7) => collect(geminiAdapter.streamChunks(sseBody(events, cut), target(model)));
const failure = async (events: unknown[]) => {
  try {
    await run(events);
  } catch (e) {
    if (e instanceof UpstreamError) return e.mapped;
    throw e;
  }
  throw new Error("expected an error");
};

describe("recorded streams", () => {
  test("google-text: text deltas, the signature-only last part adds nothing, usage from the last event at the end", async () => {
    const chunks = await run(fixtureEvents("google-text.chunks.txt"));
    const acc = accumulate(chunks);
    expect(acc.content).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    expect(acc.finish).toBe("stop");
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.filter((c) => c.choices.some((ch) => ch.delta.role)).length).toBe(1);
    for (const c of chunks) {
      expect(c.id).toBe("chatcmpl-bH6LaZW8Fp_3nsEPqtaSwQ4");
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.model).toBe("gemini-3-pro-preview");
    }
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 23 + 185,
      total_tokens: 217,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 185 },
    });
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
  });

  test("google-reasoning-gemini3: the same text whether cut into 1-byte or whole events", async () => {
    const events = fixtureEvents("google-reasoning-gemini3.chunks.txt");
    const fine = accumulate(await run(events, "gemini-3-pro-preview", 1));
    const coarse = accumulate(await run(events, "gemini-3-pro-preview", 100_000));
    expect(fine).toEqual(coarse);
    expect(fine.content).toBe('There are **3** "r"s in strawberry.\n\nSt**r**awbe**rr**y');
  });

  test.each(["google-tool-call.chunks.txt", "google-tool-call-gemini3.chunks.txt"])(
    "%s: one whole call with its signature, finish tool_calls",
    async (name) => {
      const events = fixtureEvents(name) as any[];
      const chunks = await run(events);
      const acc = accumulate(chunks);
      expect(acc.calls).toHaveLength(1);
      expect(acc.calls[0]).toMatchObject({ type: "function", function: { name: "weather", arguments: '{"location":"San Francisco"}' } });
      expect(acc.calls[0].id).toMatch(/^call_/);
      expect(acc.calls[0].extra_content).toEqual({ google: { thought_signature: events[0].candidates[0].content.parts[0].thoughtSignature } });
      expect(acc.finish).toBe("tool_calls");
      expect(acc.content).toBe("");
    },
  );

  test("google-stream-tool-call-arguments: two calls with streamed arguments, each on its own index", async () => {
    const events = fixtureEvents("google-stream-tool-call-arguments.chunks.txt") as any[];
    const chunks = await run(events, "gemini-3.1-pro-preview", 13);
    const acc = accumulate(chunks);
    expect(acc.calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["getWeather", { location: "Boston" }],
      ["getWeather", { location: "San Francisco" }],
    ]);
    expect(acc.calls[0].extra_content.google.thought_signature).toBe(events[0].candidates[0].content.parts[0].thoughtSignature);
    expect(acc.calls[1].extra_content).toBeUndefined();
    expect(acc.calls[0].id).not.toBe(acc.calls[1].id);
    const indexes = chunks.flatMap((c) => c.choices.flatMap((ch) => (ch.delta.tool_calls ?? []).map((t) => t.index)));
    expect([...new Set(indexes)]).toEqual([0, 1]);
    expect(acc.finish).toBe("tool_calls");
    // Vertex reports usage only on the last event; the earlier ones carry just trafficType.
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 23 + 132, total_tokens: 181 });
  });
});

describe("streams built here", () => {
  const event = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
    candidates: [{ content: { parts, role: "model" }, index: 0, ...extra }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 },
    modelVersion: "gemini-2.5-flash",
    responseId: "r1",
  });

  test("thought parts stream as reasoning_content before the answer", async () => {
    const acc = accumulate(await run([event([{ text: "Hmm. ", thought: true }]), event([{ text: "Yes." }], { finishReason: "STOP" })]));
    expect(acc).toMatchObject({ reasoning: "Hmm. ", content: "Yes.", finish: "stop" });
  });

  test("two parallel calls in one event: two deltas, indexes 0 and 1", async () => {
    const chunks = await run([
      event([{ functionCall: { name: "a", args: { x: 1 } }, thoughtSignature: "U0lH" }, { functionCall: { name: "b", args: {} } }]),
      event([{ text: "" }], { finishReason: "STOP" }),
    ]);
    const deltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(deltas.map((d) => [d.index, d.function?.name])).toEqual([
      [0, "a"],
      [1, "b"],
    ]);
    expect(accumulate(chunks).finish).toBe("tool_calls");
  });

  test("several candidates stream under their own choice index", async () => {
    const two = (a: string, b: string, finish?: string) => ({
      candidates: [
        { content: { parts: [{ text: a }], role: "model" }, index: 0, ...(finish ? { finishReason: finish } : {}) },
        { content: { parts: [{ text: b }], role: "model" }, index: 1, ...(finish ? { finishReason: finish } : {}) },
      ],
    });
    const chunks = await run([two("a1 ", "b1 "), two("a2", "b2", "STOP")]);
    expect(accumulate(chunks, 0).content).toBe("a1 a2");
    expect(accumulate(chunks, 1).content).toBe("b1 b2");
    expect(accumulate(chunks, 1).finish).toBe("stop");
  });

  test("an error event mid-stream is an UpstreamError with Google's status mapped", async () => {
    const m = await failure([
      event([{ text: "partial" }]),
      { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } },
    ]);
    expect(m).toMatchObject({ status: 503, error: { type: "api_error", code: "unavailable", message: "The model is overloaded. Please try again later." } });
  });

  test("a stream cut before its finishReason is an error, not a short answer", async () => {
    const m = await failure([event([{ text: "partial" }])]);
    expect(m.status).toBe(502);
    expect(m.error.message).toContain("before the answer was finished");
    expect((await failure([])).status).toBe(502);
  });

  test("a blocked prompt is a 400 content_filter", async () => {
    const m = await failure([{ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }]);
    expect(m).toMatchObject({ status: 400, error: { code: "content_filter" } });
  });

  test("MALFORMED_FUNCTION_CALL at the end raises after the text", async () => {
    const m = await failure([event([{ text: "calling" }]), event([], { finishReason: "MALFORMED_FUNCTION_CALL" })]);
    expect(m.status).toBe(502);
  });

  test("an event that is not JSON", async () => {
    expect((await failure(["{not json"])).error.code).toBe("bad_upstream_response");
  });
});
