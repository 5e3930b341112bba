import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ChatCompletionChunk } from "../../src/openai/schema.ts";
import { TextFrames } from "../../src/openai/text-frames.ts";

// Texts that stress the splice: escapes, lone surrogates, the marker itself, JSON-looking text.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"delta":{"content":"x"}', '\\"}', "\u2028", "\ud800", "</script>", '{"a":1}', ""),
);
// The chunk shapes the translating adapters build: with logprobs (Anthropic, Bedrock, Cohere) or without (Gemini).
const shape = fc.constantFrom("logprobs", "plain");

function chunkOf(s: string, id: string, created: number, model: string, index: number, content: string): ChatCompletionChunk {
  const choice = s === "logprobs" ? { index, delta: { content }, logprobs: null, finish_reason: null } : { index, delta: { content }, finish_reason: null };
  return { id, object: "chat.completion.chunk", created, model, choices: [choice] } as ChatCompletionChunk;
}

describe("TextFrames", () => {
  test("writes exactly what JSON.stringify writes, across texts, ids, models, times and choice indexes", () => {
    const step = fc.record({
      id: fc.oneof(text, fc.constant("msg_1")),
      model: fc.oneof(text, fc.constant("m")),
      created: fc.constantFrom(1, 1770000000),
      index: fc.nat(2),
      content: text,
    });
    fc.assert(
      fc.property(shape, fc.array(step, { minLength: 1, maxLength: 12 }), (s, steps) => {
        const frames = new TextFrames();
        for (const st of steps) {
          const chunk = chunkOf(s, st.id, st.created, st.model, st.index, st.content);
          expect(frames.json(chunk)).toBe(JSON.stringify(chunk));
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("the fixed part is serialised once per answer, not per chunk", () => {
    const frames = new TextFrames();
    const first = chunkOf("logprobs", "msg_1", 1, "m", 0, "a");
    frames.json(first);
    // A chunk whose head would serialise differently if it were serialised again: same id, time,
    // model and index, so the cached head is reused and only the text is new.
    const same = { ...chunkOf("logprobs", "msg_1", 1, "m", 0, "b"), object: "changed" } as unknown as ChatCompletionChunk;
    expect(frames.json(same)).toBe(JSON.stringify({ ...same, object: "chat.completion.chunk" }));
  });
});
