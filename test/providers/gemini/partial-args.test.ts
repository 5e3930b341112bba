import { expect, test } from "bun:test";
import fc from "fast-check";
import { ArgumentsWriter, parseJsonPath } from "../../../src/providers/gemini/partial-args.ts";
import type { PartialArg } from "../../../src/providers/gemini/wire.ts";

test("JSON paths: dotted names, bracketed names with escapes, indexes", () => {
  expect(parseJsonPath("$.a.b[0].c")).toEqual(["a", "b", 0, "c"]);
  expect(parseJsonPath("$['it\\'s'][\"x.y\"]")).toEqual(["it's", "x.y"]);
  expect(parseJsonPath("a.b")).toBeNull();
  expect(parseJsonPath("$.a[")).toBeNull();
});

test("the recorded pieces: a string in two pieces, closed by an empty last piece", () => {
  const w = new ArgumentsWriter();
  const out = [
    w.start(),
    w.add([{ jsonPath: "$.location", stringValue: "Boston", willContinue: true }]),
    w.add([{ jsonPath: "$.location", stringValue: "" }]),
    w.end(),
  ];
  expect(out).toEqual(["{", '"location":"Boston', '"', "}"]);
});

/** Leaves of a JSON object as Vertex streams them, strings cut where `cuts` says. */
function pieces(value: unknown, path: string, cuts: number[]): PartialArg[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => pieces(v, `${path}[${i}]`, cuts));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => pieces(v, `${path}['${k.replace(/['\\]/g, "\\$&")}']`, cuts));
  if (typeof value === "string") {
    const at = Math.min(value.length, cuts.shift() ?? value.length);
    return [
      { jsonPath: path, stringValue: value.slice(0, at), willContinue: true },
      { jsonPath: path, stringValue: value.slice(at) },
    ];
  }
  if (typeof value === "number") return [{ jsonPath: path, numberValue: value }];
  if (typeof value === "boolean") return [{ jsonPath: path, boolValue: value }];
  return [{ jsonPath: path, nullValue: "NULL_VALUE" }];
}

// Containers must hold at least one leaf: an empty object or array has no path to stream.
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("v"), { minLength: 1, maxLength: 3 }),
    fc.dictionary(fc.string({ minLength: 1 }), tie("v"), { minKeys: 1, maxKeys: 3 }),
  ),
})).v;

test("property: the pieces concatenate to JSON equal to the arguments, however they are grouped", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1 }), value, { minKeys: 1, maxKeys: 4 }),
      fc.array(fc.nat(6), { maxLength: 20 }),
      fc.nat(3),
      (args, cuts, group) => {
        const all = pieces(args, "$", [...cuts]);
        const w = new ArgumentsWriter();
        let text = w.start();
        for (let i = 0; i < all.length; i += group + 1) text += w.add(all.slice(i, i + group + 1));
        text += w.end();
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(args)));
      },
    ),
    { numRuns: 300 },
  );
});
