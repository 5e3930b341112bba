// How the Gemini API parses a GenerateContentRequest: as a protobuf message from JSON. A field it
// does not know, an enum value it does not know or a value of the wrong kind fails the whole
// request with 400 INVALID_ARGUMENT, before anything else is looked at. Messages and paths below
// are worded as the real API words them (paths use the proto's snake_case names, repeated fields
// `[i]`, map entries `[i].value`), e.g.
//   Invalid JSON payload received. Unknown name "additionalProperties" at
//   'tools[0].function_declarations[0].parameters': Cannot find field.
// Both the JSON (camelCase) and proto (snake_case) spellings of a field are accepted, as ESF does.

type Field =
  | "string"
  | "bool"
  | "int"
  | "float"
  | "bytes"
  | "struct" // google.protobuf.Struct: any JSON object
  | "value" // google.protobuf.Value: any JSON
  | { enum: string; values: string[] }
  | { message: () => Message }
  | { repeated: Field }
  | { map: Field };

type Message = Record<string, Field>;

const PKG = "type.googleapis.com/google.ai.generativelanguage.v1beta";
const msg = (m: () => Message): Field => ({ message: m });
const rep = (f: Field): Field => ({ repeated: f });

const SCHEMA_TYPE: Field = { enum: `${PKG}.Type`, values: ["TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"] };

const Schema = (): Message => ({
  type: SCHEMA_TYPE,
  format: "string",
  title: "string",
  description: "string",
  nullable: "bool",
  enum: rep("string"),
  maxItems: "int",
  minItems: "int",
  properties: { map: msg(Schema) },
  required: rep("string"),
  minProperties: "int",
  maxProperties: "int",
  minLength: "int",
  maxLength: "int",
  pattern: "string",
  example: "value",
  anyOf: rep(msg(Schema)),
  propertyOrdering: rep("string"),
  default: "value",
  items: msg(Schema),
  minimum: "float",
  maximum: "float",
});

const Part = (): Message => ({
  text: "string",
  thought: "bool",
  thoughtSignature: "bytes",
  inlineData: msg(() => ({ mimeType: "string", data: "bytes" })),
  fileData: msg(() => ({ mimeType: "string", fileUri: "string" })),
  functionCall: msg(() => ({ id: "string", name: "string", args: "struct" })),
  functionResponse: msg(() => ({
    id: "string",
    name: "string",
    response: "struct",
    parts: rep("value"),
    willContinue: "bool",
    scheduling: { enum: `${PKG}.FunctionResponse.Scheduling`, values: ["SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"] },
  })),
  executableCode: msg(() => ({ language: { enum: `${PKG}.ExecutableCode.Language`, values: ["LANGUAGE_UNSPECIFIED", "PYTHON"] }, code: "string" })),
  codeExecutionResult: msg(() => ({
    outcome: { enum: `${PKG}.CodeExecutionResult.Outcome`, values: ["OUTCOME_UNSPECIFIED", "OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"] },
    output: "string",
  })),
  videoMetadata: msg(() => ({ startOffset: "string", endOffset: "string", fps: "float" })),
  partMetadata: "struct",
  mediaResolution: "value",
});

const Content = (): Message => ({ role: "string", parts: rep(msg(Part)) });

const FunctionDeclaration = (): Message => ({
  name: "string",
  description: "string",
  behavior: { enum: `${PKG}.FunctionDeclaration.Behavior`, values: ["UNSPECIFIED", "BLOCKING", "NON_BLOCKING"] },
  parameters: msg(Schema),
  parametersJsonSchema: "value",
  response: msg(Schema),
  responseJsonSchema: "value",
});

const Tool = (): Message => ({
  functionDeclarations: rep(msg(FunctionDeclaration)),
  googleSearchRetrieval: "value",
  codeExecution: "value",
  googleSearch: "value",
  urlContext: "value",
  fileSearch: "value",
  computerUse: "value",
  googleMaps: "value",
});

const ToolConfig = (): Message => ({
  functionCallingConfig: msg(() => ({
    mode: { enum: `${PKG}.FunctionCallingConfig.Mode`, values: ["MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"] },
    allowedFunctionNames: rep("string"),
  })),
  retrievalConfig: "value",
});

const ThinkingConfig = (): Message => ({
  includeThoughts: "bool",
  thinkingBudget: "int",
  thinkingLevel: { enum: `${PKG}.ThinkingConfig.ThinkingLevel`, values: ["THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH", "XHIGH"] },
});

const GenerationConfig = (): Message => ({
  stopSequences: rep("string"),
  responseMimeType: "string",
  responseSchema: msg(Schema),
  responseJsonSchema: "value",
  responseModalities: rep({ enum: `${PKG}.GenerationConfig.Modality`, values: ["MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"] }),
  candidateCount: "int",
  maxOutputTokens: "int",
  temperature: "float",
  topP: "float",
  topK: "int",
  seed: "int",
  presencePenalty: "float",
  frequencyPenalty: "float",
  responseLogprobs: "bool",
  logprobs: "int",
  enableEnhancedCivicAnswers: "bool",
  speechConfig: "value",
  thinkingConfig: msg(ThinkingConfig),
  imageConfig: "value",
  mediaResolution: {
    enum: `${PKG}.GenerationConfig.MediaResolution`,
    values: ["MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH"],
  },
});

const GenerateContentRequest = (): Message => ({
  model: "string",
  contents: rep(msg(Content)),
  systemInstruction: msg(Content),
  tools: rep(msg(Tool)),
  toolConfig: msg(ToolConfig),
  safetySettings: rep(msg(() => ({ category: "string", threshold: "string", method: "string" }))),
  generationConfig: msg(GenerationConfig),
  cachedContent: "string",
});

/** The oneof every Part must set exactly one of. */
export const PART_DATA = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"];

const UPPER = /[A-Z]/g;
const UNDERSCORED = /_([a-z])/g;
const snake = (name: string) => name.replace(UPPER, (c) => `_${c.toLowerCase()}`);
const camel = (name: string) => name.replace(UNDERSCORED, (_, c: string) => c.toUpperCase());
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/**
 * Every parse problem of a GenerateContentRequest body, as the lines of the real API's message,
 * plus the BadRequest field violations it sends in `details`. Empty when the body parses.
 */
export function protoProblems(body: unknown): { messages: string[]; violations: { field: string; description: string }[] } {
  const messages: string[] = [];
  const violations: { field: string; description: string }[] = [];
  const unknown = (name: string, path: string) => {
    const m = `Invalid JSON payload received. Unknown name "${name}"${path ? ` at '${path}'` : ""}: Cannot find field.`;
    messages.push(m);
    violations.push({ field: path, description: m });
  };
  const invalid = (path: string, kind: string, value: unknown, note?: string) => {
    const shown = note ?? (typeof value === "string" ? `"${value}"` : JSON.stringify(value));
    const m = `Invalid value at '${path}' (${kind}), ${shown}`;
    messages.push(m);
    violations.push({ field: path, description: m });
  };

  const walkMessage = (value: unknown, desc: Message, path: string, typeName: string) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return invalid(path, typeName, value);
    for (const [key, v] of Object.entries(value)) {
      const name = key in desc ? key : camel(key) in desc ? camel(key) : null;
      if (!name) {
        unknown(key, path);
        continue;
      }
      if (v === null) continue; // JSON null is "not set" in proto3 JSON
      walkField(v, desc[name], path ? `${path}.${snake(name)}` : snake(name));
    }
  };

  const walkField = (v: unknown, f: Field, path: string) => {
    if (typeof f === "object" && "repeated" in f) {
      if (!Array.isArray(v)) return invalid(path, "list", v, `Proto field is not repeating, cannot start list.`);
      v.forEach((item, i) => walkField(item, f.repeated, `${path}[${i}]`));
      return;
    }
    if (typeof f === "object" && "map" in f) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return invalid(path, "map", v);
      Object.values(v).forEach((item, i) => walkField(item, f.map, `${path}[${i}].value`));
      return;
    }
    if (typeof f === "object" && "message" in f) return walkMessage(v, f.message(), path, "message");
    if (typeof f === "object" && "enum" in f) {
      const ok = typeof v === "string" && f.values.includes(v.toUpperCase());
      if (!ok) invalid(path, f.enum, v);
      return;
    }
    switch (f) {
      case "string":
        if (typeof v !== "string") invalid(path, "TYPE_STRING", v);
        return;
      case "bool":
        if (typeof v !== "boolean") invalid(path, "TYPE_BOOL", v);
        return;
      case "int":
        if (!(Number.isInteger(typeof v === "string" ? Number(v) : v) && v !== "")) invalid(path, "TYPE_INT32", v);
        return;
      case "float":
        if (!(typeof v === "number" || (typeof v === "string" && v !== "" && !Number.isNaN(Number(v))))) invalid(path, "TYPE_FLOAT", v);
        return;
      case "bytes":
        if (typeof v !== "string" || !BASE64.test(v)) invalid(path, "TYPE_BYTES", v, `Base64 decoding failed for ${JSON.stringify(String(v))}`);
        return;
      case "struct":
        if (typeof v !== "object" || Array.isArray(v)) invalid(path, "type.googleapis.com/google.protobuf.Struct", v);
        return;
      case "value":
        return;
    }
  };

  walkMessage(body, GenerateContentRequest(), "", "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentRequest");
  return { messages, violations };
}

/** A field read with either spelling, as the parser accepted it. */
export function field<T = unknown>(obj: unknown, name: string): T | undefined {
  if (!obj || typeof obj !== "object") return undefined;
  const o = obj as Record<string, unknown>;
  return (o[name] ?? o[snake(name)]) as T | undefined;
}
