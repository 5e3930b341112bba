import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ChatCompletionChunk } from "../../src/openai/schema.ts";
import { TextFrames } from "../../src/openai/text-frames.ts";

// Texts that stress the JSON text: escapes, lone surrogates, the delta's own JSON, JSON-looking text.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"delta":{"content":"x"}', '"delta":{"role":"assistant","content":"x"}', '\\"}', "\u2028", "\ud800", "</script>", '{"a":1}', ""),
);
// The chunk shapes the translating adapters build: with logprobs (Anthropic, Bedrock, Cohere) or without (Gemini).
const shape = fc.constantFrom("logprobs", "plain");

function chunkOf(s: string, id: string, created: number, model: string, index: number, content: string): ChatCompletionChunk {
  const choice = s === "logprobs" ? { index, delta: { content }, logprobs: null, finish_reason: null } : { index, delta: { content }, finish_reason: null };
  return { id, object: "chat.completion.chunk", created, model, choices: [choice] } as ChatCompletionChunk;
}

// Any delta a translator could hand in by mistake: a role beside the text, reasoning, tool calls,
// a null or missing content, members in another order, undefined members JSON.stringify drops.
const anyValue = fc.oneof(
  text,
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.json().map((j) => JSON.parse(j)),
);
const delta = fc.oneof(
  text.map((content) => ({ content })),
  fc.record({ role: fc.constantFrom("assistant", "user"), content: text }),
  fc.record({ content: text, role: fc.constant("assistant") }),
  fc.record({ content: anyValue }),
  fc.record({ content: text, reasoning_content: anyValue }, { requiredKeys: ["content"] }),
  fc.record({ tool_calls: fc.array(fc.record({ index: fc.nat(3), function: fc.record({ arguments: text }) }), { maxLength: 2 }) }),
  fc.dictionary(fc.constantFrom("content", "role", "refusal", "extra", "__proto__"), anyValue),
);
const choice = fc.record(
  {
    index: fc.oneof(fc.nat(2), fc.constant(-1), fc.double()),
    delta,
    logprobs: fc.constantFrom(null, undefined, { content: [] }),
    finish_reason: fc.constantFrom(null, null, null, "stop", undefined),
    extra: anyValue,
  },
  { requiredKeys: ["index", "delta"] },
);
const anyChunk = fc.record(
  {
    id: fc.oneof(text, fc.constant("msg_1")),
    object: fc.constantFrom("chat.completion.chunk", "chat.completion.chunk", "other"),
    created: fc.oneof(fc.constantFrom(1, 1770000000), fc.double()),
    model: fc.oneof(text, fc.constant("m")),
    choices: fc.oneof(fc.array(choice, { minLength: 1, maxLength: 1 }), fc.array(choice, { maxLength: 3 })),
    usage: fc.constantFrom(undefined, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }),
    system_fingerprint: fc.constantFrom(undefined, "fp"),
  },
  { requiredKeys: ["id", "object", "created", "model", "choices"] },
) as fc.Arbitrary<ChatCompletionChunk>;

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

  test("any chunk, of any delta shape, in any order after text chunks: exactly what JSON.stringify writes", () => {
    let fast = 0;
    let other = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            anyChunk,
            fc.tuple(shape, text).map(([s, t]) => chunkOf(s, "msg_1", 1, "m", 0, t)),
          ),
          { minLength: 1, maxLength: 10 },
        ),
        (chunks) => {
          const frames = new TextFrames();
          for (const chunk of chunks) {
            const json = frames.json(chunk);
            expect(json).toBe(JSON.stringify(chunk));
            // Valid JSON, whatever came in: the trap was a delta with a role producing broken text.
            expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(chunk)));
            const d = chunk.choices?.[0]?.delta as Record<string, unknown> | undefined;
            if (chunk.choices?.length === 1 && d && Object.keys(d).join() === "content" && typeof d.content === "string") fast++;
            else other++;
          }
        },
      ),
      { numRuns: 1000 },
    );
    // Both paths were exercised: text chunks and chunks that must be serialised whole.
    expect(fast).toBeGreaterThan(100);
    expect(other).toBeGreaterThan(100);
  });

  test("a text delta that also carries a role is valid JSON (the splice trap)", () => {
    const frames = new TextFrames();
    const opening = {
      id: "x",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, logprobs: null, finish_reason: null }],
    } as ChatCompletionChunk;
    expect(frames.json(opening)).toBe(JSON.stringify(opening));
    const next = chunkOf("logprobs", "x", 1, "m", 0, "there");
    expect(frames.json(next)).toBe(JSON.stringify(next));
  });

  test("text chunks are never serialised whole: only their strings go through JSON.stringify", () => {
    const frames = new TextFrames();
    const stringify = JSON.stringify;
    let objects = 0;
    JSON.stringify = ((value: unknown, ...rest: unknown[]) => {
      if (value !== null && typeof value === "object") objects++;
      return (stringify as (...a: unknown[]) => string)(value, ...rest);
    }) as typeof JSON.stringify;
    const written: string[] = [];
    try {
      for (const t of ["a", "b", "c"]) written.push(frames.json(chunkOf("logprobs", "msg_1", 1, "m", 0, t)));
    } finally {
      JSON.stringify = stringify;
    }
    expect(objects).toBe(0);
    expect(written.map((w) => JSON.parse(w).choices[0].delta.content)).toEqual(["a", "b", "c"]);
  });
});
