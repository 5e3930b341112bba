import { rejectRequest } from "../../errors/vocabulary.ts";
import type { Json } from "./wire.ts";

/**
 * JSON Schema (what OpenAI clients and zod's toJSONSchema produce) → the Gemini API's `Schema`,
 * the OpenAPI 3.0 subset accepted by `FunctionDeclaration.parameters` and
 * `GenerationConfig.responseSchema` (https://ai.google.dev/api/caching#Schema).
 *
 * Gemini parses `Schema` as a protobuf message: a single field outside its 22 (additionalProperties,
 * $schema, const, exclusiveMinimum, propertyNames, ...) makes the whole request fail with
 * `Unknown name "…": Cannot find field`. So the output is built from an allow-list, never copied:
 * - `$ref` is inlined from `$defs`/`definitions` (a recursive schema cannot be inlined: 400);
 * - `allOf` is merged; `oneOf` becomes `anyOf`; a `null` branch or type becomes `nullable`;
 * - `const` and string `enum`s become `enum`; non-string values, and constraints Gemini lacks
 *   (unsupported `format`s, exclusive bounds on numbers), are written into `description` so the
 *   model still sees them.
 * We chose `parameters` over `parametersJsonSchema` because every Gemini model accepts it.
 */
export function geminiSchema(schema: unknown, param: string): Json {
  return convert(schema, { root: schema, param, expanding: new Set() });
}

/**
 * A function's `parameters`: undefined for a function without any, because the API refuses an
 * OBJECT with no properties ("properties: should be non-empty for OBJECT type").
 */
export function functionParameters(schema: unknown, param: string): Json | undefined {
  if (schema === undefined || schema === null) return undefined;
  const out = geminiSchema(schema, param);
  const props = out.properties as Json | undefined;
  if (out.type === "OBJECT" && (!props || Object.keys(props).length === 0)) return undefined;
  return out;
}

interface Ctx {
  root: unknown;
  param: string;
  /** `$ref`s being expanded on the current path: meeting one again means recursion. */
  expanding: Set<string>;
}

const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "array", "object", "null"]);
const KEPT_FORMATS: Record<string, ReadonlySet<string>> = {
  STRING: new Set(["enum", "date-time"]),
  NUMBER: new Set(["float", "double"]),
  INTEGER: new Set(["int32", "int64"]),
};
const LOCAL_REF = /^#(\/.*)?$/;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function convert(input: unknown, ctx: Ctx): Json {
  if (input === true || input === undefined) return {};
  if (!isObject(input)) throw rejectRequest(`${ctx.param} must be a JSON schema object`, ctx.param);
  if (typeof input.$ref === "string") return convertRef(input, input.$ref, ctx);
  const node = Array.isArray(input.allOf) ? mergeAllOf(input, ctx) : input;

  const out: Json = {};
  let description = typeof node.description === "string" ? node.description : "";
  const note = (text: string) => (description = description ? `${description} (${text})` : text);
  if (typeof node.title === "string") out.title = node.title;

  let nullable = node.nullable === true;
  let types = (Array.isArray(node.type) ? node.type : [node.type]).filter((t): t is string => typeof t === "string" && JSON_TYPES.has(t));
  if (types.includes("null")) {
    nullable = true;
    types = types.length === 1 ? types : types.filter((t) => t !== "null");
  }

  const variants = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : null;
  if (variants) {
    const kept = variants.filter((v) => !isNullSchema(v));
    if (kept.length < variants.length) nullable = true;
    if (kept.length === 1 && types.length === 0) {
      // `X | null` from zod's .nullable(): one real branch, so it becomes the schema itself.
      const only = convert(kept[0], ctx);
      return finish({ ...only, ...out }, description || (only.description as string) || "", nullable);
    }
    out.anyOf = kept.map((v) => convert(v, ctx));
  }

  if (types.length > 1) {
    // ["string", "number"]: one anyOf branch per type, each keeping the keywords of its type.
    const { description: _d, title: _t, type: _ty, anyOf: _a, oneOf: _o, ...rest } = node;
    out.anyOf = types.map((t) => convert({ ...rest, type: t }, ctx));
    return finish(out, description, nullable);
  }

  const enumValues: unknown[] | null = "const" in node ? [node.const] : Array.isArray(node.enum) ? node.enum : null;
  let type: string | undefined = types[0]?.toUpperCase();
  if (enumValues) {
    const values = enumValues.filter((v) => v !== null);
    if (values.length < enumValues.length) nullable = true;
    if (values.length && values.every((v) => typeof v === "string")) {
      out.enum = values;
      type ??= "STRING";
    } else if (values.length) {
      note(`${"const" in node ? "must be" : "one of"}: ${values.map((v) => JSON.stringify(v)).join(", ")}`);
      type ??= jsonTypeOf(values[0]);
    }
  }
  type ??= isObject(node.properties) ? "OBJECT" : "items" in node || "prefixItems" in node ? "ARRAY" : undefined;
  if (type) out.type = type;

  if (type === "OBJECT") objectKeywords(node, out, ctx);
  if (type === "ARRAY") arrayKeywords(node, out, ctx);
  if (type === "STRING") {
    if (isCount(node.minLength)) out.minLength = node.minLength;
    if (isCount(node.maxLength)) out.maxLength = node.maxLength;
    if (typeof node.pattern === "string") out.pattern = node.pattern;
  }
  if (type === "NUMBER" || type === "INTEGER") numberKeywords(node, out, type, note);
  if (typeof node.format === "string") {
    if (type && KEPT_FORMATS[type]?.has(node.format)) out.format = node.format;
    else note(`format: ${node.format}`);
  }
  if ("default" in node) out.default = node.default;
  if ("example" in node) out.example = node.example;
  else if (Array.isArray(node.examples) && node.examples.length) out.example = node.examples[0];
  return finish(out, description, nullable);
}

function finish(out: Json, description: string, nullable: boolean): Json {
  if (description) out.description = description;
  else delete out.description;
  if (nullable) out.nullable = true;
  return out;
}

function objectKeywords(node: Json, out: Json, ctx: Ctx) {
  if (isObject(node.properties)) {
    // fromEntries defines own properties: a schema property named "__proto__" stays a property.
    const props: Json = Object.fromEntries(Object.entries(node.properties).map(([name, sub]) => [name, convert(sub, ctx)]));
    out.properties = props;
    if (Array.isArray(node.required)) {
      const required = node.required.filter((r): r is string => typeof r === "string" && Object.hasOwn(props, r));
      if (required.length) out.required = [...new Set(required)];
    }
    if (Array.isArray(node.propertyOrdering)) {
      const order = node.propertyOrdering.filter((p): p is string => typeof p === "string" && p in props);
      if (order.length) out.propertyOrdering = order;
    }
  }
  if (isCount(node.minProperties)) out.minProperties = node.minProperties;
  if (isCount(node.maxProperties)) out.maxProperties = node.maxProperties;
}

function arrayKeywords(node: Json, out: Json, ctx: Ctx) {
  if (isObject(node.items) || node.items === true) out.items = convert(node.items, ctx);
  else if (Array.isArray(node.items) || Array.isArray(node.prefixItems)) {
    // A tuple: Gemini has no positional items, so any listed item type is accepted at any position.
    const tuple = (Array.isArray(node.items) ? node.items : node.prefixItems) as unknown[];
    const branches = tuple.map((t) => convert(t, ctx));
    out.items = branches.length === 1 ? branches[0] : { anyOf: branches };
  } else {
    // The API refuses an ARRAY without items ("items: missing field"); absent means any item.
    out.items = {};
  }
  if (isCount(node.minItems)) out.minItems = node.minItems;
  if (isCount(node.maxItems)) out.maxItems = node.maxItems;
}

function numberKeywords(node: Json, out: Json, type: string, note: (text: string) => void) {
  if (typeof node.minimum === "number") out.minimum = node.minimum;
  if (typeof node.maximum === "number") out.maximum = node.maximum;
  // Draft 6+ exclusive bounds: exact for integers, only described for other numbers.
  for (const [key, bound, sign, step] of [
    ["minimum", node.exclusiveMinimum, ">", 1],
    ["maximum", node.exclusiveMaximum, "<", -1],
  ] as const) {
    if (typeof bound !== "number") continue;
    if (type === "INTEGER" && Number.isInteger(bound)) {
      const inclusive = bound + step;
      const current = out[key] as number | undefined;
      out[key] = current === undefined ? inclusive : key === "minimum" ? Math.max(current, inclusive) : Math.min(current, inclusive);
    } else note(`${sign} ${bound}`);
  }
  if (typeof node.multipleOf === "number") note(`multiple of ${node.multipleOf}`);
}

function convertRef(node: Json, ref: string, ctx: Ctx): Json {
  if (!LOCAL_REF.test(ref)) throw rejectRequest(`${ctx.param}: $ref '${ref}' is not a local reference; Gemini needs the schema inlined`, ctx.param);
  if (ctx.expanding.has(ref)) {
    throw rejectRequest(`${ctx.param} is recursive ($ref '${ref}'); Gemini's function schemas cannot express recursion`, ctx.param);
  }
  const target = resolvePointer(ctx.root, ref);
  if (target === undefined) throw rejectRequest(`${ctx.param}: $ref '${ref}' points to nothing`, ctx.param);
  ctx.expanding.add(ref);
  try {
    const { $ref: _ref, ...siblings } = node;
    // Keywords beside a $ref (a description, say) apply too; they win over the target's own.
    const merged = isObject(target) ? { ...target, ...siblings } : target;
    return convert(merged, ctx);
  } finally {
    ctx.expanding.delete(ref);
  }
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (ref === "#") return root;
  let at: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(at) && !Array.isArray(at)) return undefined;
    at = (at as Json)[key];
  }
  return at;
}

const MAX_ALLOF_DEPTH = 32;

function mergeAllOf(node: Json, ctx: Ctx, depth = 0): Json {
  if (depth > MAX_ALLOF_DEPTH) throw rejectRequest(`${ctx.param} nests allOf too deeply (is it recursive?)`, ctx.param);
  const { allOf, ...base } = node;
  let merged: Json = { ...base };
  for (const part of allOf as unknown[]) {
    const sub = isObject(part) && typeof part.$ref === "string" ? resolveForMerge(part, ctx) : part;
    if (!isObject(sub)) continue;
    const properties = isObject(merged.properties) || isObject(sub.properties) ? { ...(sub.properties as Json), ...(merged.properties as Json) } : undefined;
    const required = [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(sub.required) ? sub.required : [])];
    merged = { ...sub, ...merged };
    if (properties) merged.properties = properties;
    if (required.length) merged.required = required;
  }
  return Array.isArray(merged.allOf) ? mergeAllOf(merged, ctx, depth + 1) : merged;
}

function resolveForMerge(part: Json, ctx: Ctx): unknown {
  const ref = part.$ref as string;
  if (!LOCAL_REF.test(ref)) throw rejectRequest(`${ctx.param}: $ref '${ref}' is not a local reference; Gemini needs the schema inlined`, ctx.param);
  const target = resolvePointer(ctx.root, ref);
  if (target === undefined) throw rejectRequest(`${ctx.param}: $ref '${ref}' points to nothing`, ctx.param);
  const { $ref: _ref, ...siblings } = part;
  return isObject(target) ? { ...target, ...siblings } : target;
}

function isNullSchema(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (v.type === "null") return true;
  if ("const" in v && v.const === null) return true;
  return Array.isArray(v.enum) && v.enum.length > 0 && v.enum.every((e) => e === null);
}

function jsonTypeOf(v: unknown): string | undefined {
  if (typeof v === "string") return "STRING";
  if (typeof v === "boolean") return "BOOLEAN";
  if (typeof v === "number") return Number.isInteger(v) ? "INTEGER" : "NUMBER";
  if (Array.isArray(v)) return "ARRAY";
  if (isObject(v)) return "OBJECT";
  return undefined;
}
