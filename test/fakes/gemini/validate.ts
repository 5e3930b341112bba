// What the Gemini API checks once a request has parsed, in its own words. Field checks are
// reported the way the real API reports them, one "* GenerateContentRequest.<path>: <problem>\n"
// line each, all of them at once; the conversation-shape checks answer with their own sentence.

import { field, PART_DATA } from "./proto.ts";

type Json = Record<string, any>;

export const THOUGHT_SIGNATURE_DOCS = "https://ai.google.dev/gemini-api/docs/thought-signatures";
const GEMMA = /^gemma-/;
const GEMINI_MAJOR = /^gemini-(\d+)/;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

/** The first problem the real API would answer with, as its message; null when the request is fine. */
export function semanticProblem(body: Json, model: string): string | null {
  const contents: Json[] = field<Json[]>(body, "contents") ?? [];
  const lines: string[] = [];
  const line = (path: string, problem: string) => lines.push(`* GenerateContentRequest.${path}: ${problem}\n`);

  const conflict = oneofConflict(contents);
  if (conflict) return conflict;
  if (!contents.length) line("contents", "contents is not specified");
  for (const [i, content] of contents.entries()) {
    const role = field<string>(content, "role");
    if (role !== undefined && role !== "" && role !== "user" && role !== "model") return "Please use a valid role: user, model.";
    checkParts(field<Json[]>(content, "parts") ?? [], `contents[${i}].parts`, line);
  }
  const system = field<Json>(body, "systemInstruction");
  if (GEMMA.test(model)) {
    // Gemma on the Gemini API takes neither system instructions nor tools.
    if (system) return `Developer instruction is not enabled for models/${model}`;
    if ((field<Json[]>(body, "tools") ?? []).length) return `Function calling is not enabled for models/${model}`;
  }
  if (system) checkParts(field<Json[]>(system, "parts") ?? [], "system_instruction.parts", line);

  for (const [t, tool] of (field<Json[]>(body, "tools") ?? []).entries()) {
    for (const [d, decl] of (field<Json[]>(tool, "functionDeclarations") ?? []).entries()) {
      const path = `tools[${t}].function_declarations[${d}]`;
      const name = field<string>(decl, "name");
      if (!name || !FUNCTION_NAME.test(name)) {
        line(
          `${path}.name`,
          "Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:) or dashes (-), with a maximum length of 128.",
        );
      }
      const params = field<Json>(decl, "parameters");
      if (params) checkSchema(params, `${path}.parameters`, line, true);
    }
  }
  const responseSchema = field<Json>(field(body, "generationConfig"), "responseSchema");
  if (responseSchema) checkSchema(responseSchema, "generation_config.response_schema", line, false);
  if (lines.length) return lines.join("");

  const thinking = field<Json>(field(body, "generationConfig"), "thinkingConfig");
  if (thinking) {
    const budget = field(thinking, "thinkingBudget");
    const level = field(thinking, "thinkingLevel");
    if (budget !== undefined && level !== undefined) return "You can only set only one of thinking budget and thinking level.";
    if (level !== undefined && !isGemini3(model)) return "Thinking level is not supported for this model.";
  }
  return conversationProblem(contents, model);
}

export function isGemini3(model: string): boolean {
  const major = GEMINI_MAJOR.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

function checkParts(parts: Json[], path: string, line: (path: string, problem: string) => void) {
  if (!parts.length) return line(path, "contents.parts must not be empty.");
  for (const [j, part] of parts.entries()) {
    const set = PART_DATA.filter((k) => field(part, k) !== undefined && field(part, k) !== null);
    if (set.length === 0) line(`${path}[${j}].data`, "required oneof field 'data' must have one initialized field");
  }
}

// Semantic schema checks (after parsing): paths name map entries by their key here.
function checkSchema(schema: Json, path: string, line: (path: string, problem: string) => void, isParameters: boolean) {
  const type = String(field(schema, "type") ?? "").toUpperCase();
  const props = field<Json>(schema, "properties");
  const hasProps = props && Object.keys(props).length > 0;
  if (type === "OBJECT" && isParameters && !hasProps) line(`${path}.properties`, "should be non-empty for OBJECT type");
  if (hasProps && type && type !== "OBJECT") line(`${path}.properties`, "only allowed for OBJECT type");
  if (type === "ARRAY" && !field(schema, "items")) line(`${path}.items`, "missing field.");
  for (const [name, sub] of Object.entries(props ?? {})) checkSchema(sub as Json, `${path}.properties[${name}]`, line, false);
  const items = field<Json>(schema, "items");
  if (items) checkSchema(items, `${path}.items`, line, false);
  for (const [i, sub] of (field<Json[]>(schema, "anyOf") ?? []).entries()) checkSchema(sub, `${path}.any_of[${i}]`, line, false);
}

/** Two members of Part's `data` oneof in one part: the JSON parser refuses the second one. */
function oneofConflict(contents: Json[]): string | null {
  for (const content of contents) {
    for (const part of field<Json[]>(content, "parts") ?? []) {
      const set = PART_DATA.filter((k) => field(part, k) !== undefined && field(part, k) !== null);
      if (set.length > 1) return `Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '${set[1]}'`;
    }
  }
  return null;
}

const hasPart = (content: Json, kind: string) => (field<Json[]>(content, "parts") ?? []).some((p) => field(p, kind) !== undefined);

/**
 * Function calling turns: a call turn follows a user turn, the next turn answers every call, and
 * on Gemini 3 the first call of each step in the current turn carries its thought signature.
 */
function conversationProblem(contents: Json[], model: string): string | null {
  for (const [k, content] of contents.entries()) {
    if (field(content, "role") !== "model" || !hasPart(content, "functionCall")) continue;
    if (k === 0 || field(contents[k - 1], "role") === "model") {
      return "Please ensure that function call turn comes immediately after a user turn or after a function response turn.";
    }
    const next = contents[k + 1];
    if (next && hasPart(next, "functionResponse")) {
      const calls = (field<Json[]>(content, "parts") ?? []).filter((p) => field(p, "functionCall")).length;
      const responses = (field<Json[]>(next, "parts") ?? []).filter((p) => field(p, "functionResponse")).length;
      if (calls !== responses) {
        return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.";
      }
    }
  }
  if (!isGemini3(model)) return null;
  // The current turn starts at the last user content that is not only function responses.
  let start = 0;
  contents.forEach((c, k) => {
    if (field(c, "role") !== "model" && (field<Json[]>(c, "parts") ?? []).some((p) => !field(p, "functionResponse"))) start = k;
  });
  for (let k = start; k < contents.length; k++) {
    const parts = field<Json[]>(contents[k], "parts") ?? [];
    const first = parts.find((p) => field(p, "functionCall"));
    if (field(contents[k], "role") === "model" && first && !field(first, "thoughtSignature")) {
      const name = field<string>(field(first, "functionCall"), "name");
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${k + 1}. please refer to ${THOUGHT_SIGNATURE_DOCS} for more details.`;
    }
  }
  return null;
}
