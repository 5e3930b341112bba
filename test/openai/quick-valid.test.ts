import { expect, test } from "bun:test";
import fc from "fast-check";
import { obviouslyValid } from "../../src/openai/quick-valid.ts";
import { ChatRequest } from "../../src/openai/schema.ts";

// Mostly near-valid bodies, so both answers of the quick check are exercised often.
const often = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: bad });
const message = fc.record(
  {
    role: often(fc.constantFrom("system", "developer", "user", "assistant"), fc.oneof(fc.constantFrom("tool", "function"), fc.string())),
    content: often(fc.string(), fc.oneof(fc.constant(null), fc.array(fc.record({ type: fc.string(), text: fc.string() })), fc.integer())),
    tool_calls: often(fc.constant(undefined), fc.oneof(fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 2 }))),
    tool_call_id: fc.oneof(fc.constant(undefined), fc.string()),
  },
  { requiredKeys: ["role", "content"] },
);
const body = fc.record(
  {
    model: often(fc.constantFrom("openai/gpt-4o", "smart"), fc.oneof(fc.constant(""), fc.integer())),
    messages: often(fc.array(message, { minLength: 1, maxLength: 4 }), fc.oneof(fc.constant([]), fc.jsonValue())),
    stream: often(fc.oneof(fc.boolean(), fc.constant(null)), fc.string()),
    stream_options: often(
      fc.oneof(fc.constant(null), fc.record({ include_usage: fc.boolean() }, { requiredKeys: [] })),
      fc.oneof(fc.record({ include_usage: fc.string() }), fc.jsonValue()),
    ),
    n: often(fc.integer({ min: 1, max: 128 }), fc.oneof(fc.integer({ min: -2, max: 200 }), fc.double())),
    temperature: often(fc.double({ min: 0, max: 2, noNaN: true }), fc.oneof(fc.double({ min: -1, max: 3 }), fc.string())),
    top_p: often(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -1, max: 2 })),
    max_tokens: often(fc.integer({ min: 1, max: 5000 }), fc.oneof(fc.integer({ min: -5, max: 0 }), fc.double())),
    max_completion_tokens: often(fc.constant(null), fc.integer({ min: -5, max: 5000 })),
    tools: often(fc.constant(undefined), fc.array(fc.jsonValue(), { maxLength: 2 })),
    seed: fc.integer(),
  },
  { requiredKeys: ["model", "messages"] },
);

test("whatever the quick check accepts, the full schema accepts", () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(body, fc.jsonValue()), (b) => {
      if (obviouslyValid(b)) {
        accepted++;
        expect(ChatRequest.safeParse(b).success).toBe(true);
      }
    }),
    { numRuns: 20_000 },
  );
  expect(accepted).toBeGreaterThan(100); // the property was exercised, not vacuous
});

test("the common request is recognised", () => {
  expect(
    obviouslyValid({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "hi" },
      ],
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    }),
  ).toBe(true);
  expect(obviouslyValid({ model: "gpt-4o", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] })).toBe(false);
});
