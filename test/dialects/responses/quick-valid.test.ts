import { expect, test } from "bun:test";
import fc from "fast-check";
import { obviouslyValidResponses } from "../../../src/dialects/responses/quick-valid.ts";
import { ResponsesRequest } from "../../../src/dialects/responses/schema.ts";

// Mostly near-valid bodies, so both answers of the quick check are exercised often.
const often = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
const item = fc.record(
  {
    type: often(fc.constantFrom(undefined, "message"), fc.oneof(fc.constantFrom("function_call", "reasoning"), fc.string())),
    role: often(fc.constantFrom("user", "assistant", "system", "developer"), fc.oneof(fc.constant("tool"), fc.string())),
    content: often(
      fc.string(),
      fc.oneof(fc.constant(null), fc.array(fc.record({ type: fc.constantFrom("input_text", "x"), text: fc.string() })), fc.integer()),
    ),
  },
  { requiredKeys: ["role", "content"] },
);
const body = fc.record(
  {
    model: often(fc.constantFrom("anthropic/claude-haiku-4-5", "smart"), fc.oneof(fc.constant(""), fc.integer())),
    input: often(fc.oneof(fc.string(), fc.array(item, { maxLength: 4 })), fc.oneof(fc.constant(null), fc.jsonValue())),
    instructions: often(fc.oneof(fc.string(), fc.constant(null)), fc.integer()),
    stream: often(fc.oneof(fc.boolean(), fc.constant(null)), fc.string()),
    store: often(fc.boolean(), fc.string()),
    user: often(fc.string(), fc.integer()),
    max_output_tokens: often(fc.integer({ min: 1, max: 5000 }), fc.oneof(fc.integer({ min: -5, max: 0 }), fc.double())),
    temperature: often(fc.double({ min: 0, max: 2, noNaN: true }), fc.oneof(fc.double({ min: -1, max: 3, noNaN: true }), fc.string())),
    top_p: often(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -1, max: 2, noNaN: true })),
    previous_response_id: often(fc.string(), fc.integer()),
    parallel_tool_calls: often(fc.boolean(), fc.string()),
    tools: often(fc.constant(undefined), fc.array(fc.jsonValue(), { maxLength: 2 })),
    metadata: often(fc.constant(undefined), fc.jsonValue()),
  },
  { requiredKeys: ["model"] },
);

test("whatever the quick check accepts, the full schema accepts", () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(body, fc.jsonValue()), (b) => {
      if (obviouslyValidResponses(b)) {
        accepted++;
        expect(ResponsesRequest.safeParse(b).success).toBe(true);
      }
    }),
    { numRuns: 20_000 },
  );
  // The property was exercised, not vacuous: ~90–125 of the 20,000 random bodies pass the quick
  // check (a CI run saw 92 against an earlier bound of 100), so the bound leaves room for chance.
  expect(accepted).toBeGreaterThan(40);
});

test("the common requests are recognised; tools, parts and function calls go to the full check", () => {
  expect(obviouslyValidResponses({ model: "smart", input: "hi", instructions: "be terse", max_output_tokens: 64, stream: true })).toBe(true);
  expect(
    obviouslyValidResponses({
      model: "smart",
      input: [
        { role: "user", content: "hi" },
        { type: "message", role: "assistant", content: "yo" },
      ],
    }),
  ).toBe(true);
  expect(obviouslyValidResponses({ model: "smart", input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }] })).toBe(false);
  expect(obviouslyValidResponses({ model: "smart", input: "hi", tools: [] })).toBe(false);
  expect(obviouslyValidResponses({ model: "smart", input: [{ type: "function_call_output", call_id: "c", output: "x" }] })).toBe(false);
  expect(obviouslyValidResponses({ model: "", input: "hi" })).toBe(false);
});
