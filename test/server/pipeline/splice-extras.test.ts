import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { spliceExtras } from "../../../src/server/pipeline/splice-extras.ts";

const extras = { _cost: 0.00012, _latency_ms: 3.25, _routing: { alias: null, attempts: [{ model: "openai/gpt-4o", status: 200 }] } };

describe("spliceExtras", () => {
  test("the upstream's text is kept byte for byte, the extras come last", () => {
    const upstream = '{"id":"chatcmpl-1","created":1.0e9,"choices":[{"message":{"content":"caf\\u00e9"}}]}\n';
    const out = spliceExtras(upstream, extras)!;
    expect(out.startsWith('{"id":"chatcmpl-1","created":1.0e9,"choices":[{"message":{"content":"caf\\u00e9"}}]')).toBe(true);
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(upstream), ...extras });
    expect(Object.keys(JSON.parse(out)).slice(-3)).toEqual(["_cost", "_latency_ms", "_routing"]);
  });

  test("any object, however spaced, parses to the object plus the extras; a member of the same name is ours", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.constantFrom(undefined, 1, 2, "\t"),
        fc.constantFrom("", "\n", " \r\n"),
        (obj, indent, trailing) => {
          const text = JSON.stringify(obj, null, indent) + trailing;
          expect(JSON.parse(spliceExtras(text, extras)!)).toEqual(JSON.parse(JSON.stringify({ ...obj, ...extras })));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("an upstream that already has _cost (another gateway in front): ours wins", () => {
    expect(JSON.parse(spliceExtras('{"_cost":9,"a":1}', extras)!)._cost).toBe(extras._cost);
    expect(JSON.parse(spliceExtras("{ }", extras)!)).toEqual(extras);
  });

  test("text that is not one JSON object is left to the caller (null)", () => {
    for (const t of ["[1,2]", '"x"', "", '{"a":1} trailing', "null"]) expect(spliceExtras(t, extras)).toBeNull();
  });
});
