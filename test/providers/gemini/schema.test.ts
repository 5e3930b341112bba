import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { z } from "zod";
import { ApiError } from "../../../src/errors/vocabulary.ts";
import { functionParameters, geminiSchema } from "../../../src/providers/gemini/schema.ts";
import { protoProblems } from "../../fakes/gemini/proto.ts";
import { semanticProblem } from "../../fakes/gemini/validate.ts";

/** What the fake (and so, we claim, the real API) says about these parameters in a request. */
function apiVerdict(parameters: unknown): string | null {
  const body = {
    contents: [{ role: "user", parts: [{ text: "x" }] }],
    tools: [{ functionDeclarations: [{ name: "f", ...(parameters ? { parameters } : {}) }] }],
  };
  const parsed = protoProblems(body);
  if (parsed.messages.length) return parsed.messages.join("\n");
  return semanticProblem(body, "gemini-2.5-flash");
}

describe("zod-generated schemas", () => {
  const Weather = z.object({
    city: z.string().describe("City name"),
    unit: z.enum(["c", "f"]).optional(),
    days: z.number().int().positive(),
    note: z.string().nullable(),
    kind: z.literal("weather"),
    tags: z.record(z.string(), z.number()),
    when: z.string().datetime(),
    mail: z.string().email(),
    pair: z.tuple([z.string(), z.number()]),
    either: z.union([z.string(), z.number()]),
    maybe: z.object({ a: z.boolean() }).nullable(),
  });

  test("the raw JSON schema is refused by the API, the cleaned one accepted", () => {
    const raw = z.toJSONSchema(Weather);
    expect(apiVerdict(raw)).toContain('Unknown name "$schema"');
    expect(apiVerdict(functionParameters(raw, "p"))).toBeNull();
  });

  test("each zod construct becomes its Gemini form", () => {
    const out = geminiSchema(z.toJSONSchema(Weather), "p") as any;
    expect(out.type).toBe("OBJECT");
    expect(out.required).toEqual(["city", "days", "note", "kind", "tags", "when", "mail", "pair", "either", "maybe"]);
    const p = out.properties;
    expect(p.city).toEqual({ type: "STRING", description: "City name" });
    expect(p.unit).toEqual({ type: "STRING", enum: ["c", "f"] });
    expect(p.days).toEqual({ type: "INTEGER", minimum: 1, maximum: 9007199254740991 });
    expect(p.note).toEqual({ type: "STRING", nullable: true });
    expect(p.kind).toEqual({ type: "STRING", enum: ["weather"] });
    expect(p.tags).toEqual({ type: "OBJECT" });
    expect(p.when).toMatchObject({ type: "STRING", format: "date-time" });
    expect(p.mail.format).toBeUndefined();
    expect(p.mail.description).toBe("format: email");
    expect(p.pair).toMatchObject({ type: "ARRAY", items: { anyOf: [{ type: "STRING" }, { type: "NUMBER" }] } });
    expect(p.either).toEqual({ anyOf: [{ type: "STRING" }, { type: "NUMBER" }] });
    expect(p.maybe).toEqual({ type: "OBJECT", properties: { a: { type: "BOOLEAN" } }, required: ["a"], nullable: true });
  });

  test("a function without parameters sends none (an OBJECT without properties is refused)", () => {
    expect(functionParameters(z.toJSONSchema(z.object({})), "p")).toBeUndefined();
    expect(functionParameters(undefined, "p")).toBeUndefined();
    expect(apiVerdict(geminiSchema(z.toJSONSchema(z.object({})), "p"))).toContain("should be non-empty for OBJECT type");
  });

  test("a recursive schema cannot be inlined: 400 naming the parameter", () => {
    const Node: any = z.object({
      name: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    const error = (() => {
      try {
        geminiSchema(z.toJSONSchema(Node), "tools[0].function.parameters");
      } catch (e) {
        return e;
      }
    })() as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.param).toBe("tools[0].function.parameters");
    expect(error.message).toContain("recursive");
  });
});

describe("JSON Schema keywords", () => {
  test("$ref into $defs and definitions is inlined, keywords beside it win", () => {
    const out = geminiSchema(
      {
        type: "object",
        properties: { home: { $ref: "#/$defs/Address", description: "Where they live" }, work: { $ref: "#/definitions/Address" } },
        $defs: { Address: { type: "object", properties: { street: { type: "string" } }, description: "An address" } },
        definitions: { Address: { type: "object", properties: { zip: { type: "string" } } } },
      },
      "p",
    );
    expect(out.properties).toEqual({
      home: { type: "OBJECT", properties: { street: { type: "STRING" } }, description: "Where they live" },
      work: { type: "OBJECT", properties: { zip: { type: "STRING" } } },
    });
  });

  test("a dangling or remote $ref is refused", () => {
    expect(() => geminiSchema({ $ref: "#/$defs/Nope" }, "p")).toThrow("points to nothing");
    expect(() => geminiSchema({ $ref: "https://example.com/s.json" }, "p")).toThrow("not a local reference");
  });

  test("oneOf becomes anyOf; a null branch becomes nullable", () => {
    expect(geminiSchema({ oneOf: [{ type: "string" }, { type: "integer" }, { type: "null" }] }, "p")).toEqual({
      anyOf: [{ type: "STRING" }, { type: "INTEGER" }],
      nullable: true,
    });
  });

  test("allOf is merged", () => {
    expect(
      geminiSchema(
        {
          allOf: [
            { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
            { properties: { b: { type: "number" } }, required: ["b"] },
          ],
        },
        "p",
      ),
    ).toEqual({ type: "OBJECT", properties: { a: { type: "STRING" }, b: { type: "NUMBER" } }, required: ["a", "b"] });
  });

  test("values Gemini's string-only enum cannot hold are described instead", () => {
    expect(geminiSchema({ type: "integer", enum: [1, 2, 3] }, "p")).toEqual({ type: "INTEGER", description: "one of: 1, 2, 3" });
    expect(geminiSchema({ const: true, description: "Flag" }, "p")).toEqual({ type: "BOOLEAN", description: "Flag (must be: true)" });
    expect(geminiSchema({ enum: ["a", null] }, "p")).toEqual({ type: "STRING", enum: ["a"], nullable: true });
  });

  test("an array without items gets an empty items schema; required names a listed property only", () => {
    expect(geminiSchema({ type: "array" }, "p")).toEqual({ type: "ARRAY", items: {} });
    expect(geminiSchema({ type: "object", properties: { a: {} }, required: ["a", "ghost"] }, "p")).toEqual({
      type: "OBJECT",
      properties: { a: {} },
      required: ["a"],
    });
  });

  test("exclusive bounds on numbers and multipleOf are described", () => {
    expect(geminiSchema({ type: "number", exclusiveMinimum: 0, multipleOf: 0.5 }, "p")).toEqual({ type: "NUMBER", description: "> 0 (multiple of 0.5)" });
  });

  test("examples, default, title and constraints Gemini has are kept", () => {
    expect(geminiSchema({ type: "string", title: "T", default: "x", examples: ["e1", "e2"], minLength: 1, maxLength: 9, pattern: "^x" }, "p")).toEqual({
      title: "T",
      type: "STRING",
      minLength: 1,
      maxLength: 9,
      pattern: "^x",
      default: "x",
      example: "e1",
    });
  });
});

// Any JSON schema built from the keywords clients use: what comes out parses as Gemini's Schema.
const KEYWORD_JUNK = [
  "$schema",
  "$id",
  "$comment",
  "additionalProperties",
  "propertyNames",
  "patternProperties",
  "unevaluatedProperties",
  "readOnly",
  "deprecated",
  "uniqueItems",
  "not",
  "if",
];
const schemaArb: fc.Arbitrary<unknown> = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc
      .record(
        {
          type: fc.constantFrom("string", "number", "integer", "boolean", "null", ["string", "null"], ["integer", "string"]),
          description: fc.string(),
          format: fc.constantFrom("email", "uri", "date-time", "int32", "double", "uuid"),
          enum: fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 3 }),
          const: fc.oneof(fc.string(), fc.integer(), fc.boolean()),
          minimum: fc.integer(),
          exclusiveMaximum: fc.integer(),
          junk: fc.constantFrom(...KEYWORD_JUNK) as fc.Arbitrary<string>,
        },
        { requiredKeys: ["type", "junk"] },
      )
      .map(({ junk, ...s }) => ({ ...s, [junk as string]: false })),
    fc.record(
      {
        type: fc.constant("object"),
        properties: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie("schema"), { maxKeys: 3 }),
        required: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
        additionalProperties: fc.oneof(fc.boolean(), tie("schema")),
      },
      { requiredKeys: ["type"] },
    ),
    fc.record({ type: fc.constant("array"), items: fc.option(tie("schema"), { nil: undefined }), minItems: fc.nat(5) }, { requiredKeys: ["type"] }),
    fc.record({ anyOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ oneOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ allOf: fc.array(tie("schema"), { minLength: 1, maxLength: 2 }) }),
    fc.constant({}),
  ),
})).schema;

test("property: any JSON schema comes out as a Schema the API parses", () => {
  fc.assert(
    fc.property(schemaArb, (schema) => {
      const root = { type: "object", properties: { value: schema } };
      const params = functionParameters(root, "p");
      const verdict = apiVerdict(params);
      expect(verdict).toBeNull();
    }),
    { numRuns: 400 },
  );
});

describe("property names", () => {
  test("a property named __proto__ or constructor stays a property, required and all", () => {
    const schema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}},"required":["__proto__","constructor"]}',
    );
    const out = geminiSchema(schema, "tools[0].function.parameters") as any;
    expect(Object.keys(out.properties)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(out.properties)).toBe(Object.prototype);
    expect(out.required).toEqual(["__proto__", "constructor"]);
    expect(JSON.parse(JSON.stringify(out)).properties.__proto__).toBeDefined();
  });
});
