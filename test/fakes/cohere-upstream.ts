// A local stand-in for api.cohere.com's POST /v2/chat (Cohere's v2 Chat API) and POST /v2/embed
// (Cohere's v2 Embed API: at most 96 texts, `input_type` required for v3+ models, float
// embeddings by type, billed input tokens in `meta`), for tests.
//
// The wire details come from Cohere's API reference and streaming guide, from the `cohere-ai`
// SDK's own types (which fields exist, where), from error bodies the real API is publicly reported
// to return, and from test/providers/cohere/fixtures/ (real answers and streams, whose event
// and field order this fake reproduces). Where Cohere's exact wording of a 400 is not on record
// the message here says the same thing in Cohere's "invalid request: ..." style.

import { lastUserText, messageText } from "./chat-text.ts";
import { controls, type FakeControls, type ScriptedCommon } from "./controls.ts";
import { fakeEmbedding, fakeTokenCount } from "./embedding-vectors.ts";
import { gatedStream, passGate } from "./gate.ts";
import { serveLocally } from "./local-server.ts";
import { argumentPieces, textPieces } from "./pieces.ts";
import { randomHex, randomString } from "./random.ts";
import { readRequest, RequestLog, type ReceivedRequest } from "./request-log.ts";
import { ScriptQueue } from "./script-queue.ts";

export { streamGate, type StreamGate } from "./gate.ts";
export type { ReceivedRequest } from "./request-log.ts";

export interface ScriptedToolCall {
  name: string;
  /** a string is sent as is; anything else is JSON.stringify'd */
  arguments: string | Record<string, unknown>;
  /** default: `<name>_<12 random characters>`, the form Cohere's ids take */
  id?: string;
}

export type CohereFinishReason = "COMPLETE" | "STOP_SEQUENCE" | "MAX_TOKENS" | "TOOL_CALL" | "ERROR" | "TIMEOUT";

export interface ScriptedAnswer extends ScriptedCommon {
  /** the answer's text; default: the last user message's text (none when toolCalls are given) */
  content?: string;
  /** with toolCalls, the plan Cohere writes first; default: a sentence naming the tools */
  toolPlan?: string;
  toolCalls?: ScriptedToolCall[];
  /** reasoning text, sent as a `thinking` content part before the answer */
  thinking?: string;
  /** Cohere citation objects ({start, end, text, sources, type}) */
  citations?: unknown[];
  /** default TOOL_CALL with toolCalls, else COMPLETE */
  finishReason?: CohereFinishReason;
  /** overrides of the computed counts */
  usage?: { billedInput?: number; billedOutput?: number; input?: number; output?: number; cached?: number };
  /** streams only: after this many events, end with a message-end carrying finish_reason ERROR and this error text */
  failAfter?: number;
  errorText?: string;
  /** streams only: after this many events, end the response with no message-end and no [DONE] */
  dropAfter?: number;
  headers?: Record<string, string>;
}

export interface ScriptedError extends ScriptedCommon {
  error: { status: number; body?: unknown; headers?: Record<string, string> };
}

export type Scripted = ScriptedAnswer | ScriptedError;

export interface FakeCohereOptions {
  /** the only Bearer key accepted; default "co-test-key" */
  apiKey?: string;
  /** model ids that exist; default: current Command models */
  models?: string[];
}

export interface FakeCohere extends FakeControls<ReceivedRequest, Scripted> {
  /** the API root, like https://api.cohere.com (the engine's COHERE_BASE_URL, the SDK's `environment`) */
  url: string;
  apiKey: string;
}

export function startFakeCohere(opts: FakeCohereOptions = {}): Promise<FakeCohere> {
  return Promise.resolve(new Fake(opts).start());
}

/** An error in Cohere's shape: `{"id": "<uuid>", "message": "..."}`. */
export function cohereError(status: number, message: string, opts: { headers?: Record<string, string>; times?: number } = {}): ScriptedError {
  return { error: { status, body: errorBody(message), headers: opts.headers }, times: opts.times };
}

/**
 * Cohere's 429 for a trial key. Cohere documents no Retry-After on it; `retryAfterSeconds` adds one
 * (as a proxy in front of Cohere, or a future API, may) to check that it reaches the client.
 */
export function rateLimited(opts: { retryAfterSeconds?: number; times?: number } = {}): ScriptedError {
  return cohereError(
    429,
    "You are using a Trial key, which is limited to 20 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'. Contact us on 'https://discord.gg/XW44jPfYJu' or email us at support@cohere.com with any questions",
    { headers: opts.retryAfterSeconds === undefined ? {} : { "retry-after": String(opts.retryAfterSeconds) }, times: opts.times },
  );
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_MODELS = [
  "command-a-03-2025",
  "command-a-reasoning-08-2025",
  "command-a-vision-07-2025",
  "command-r-plus-08-2024",
  "command-r-08-2024",
  "command-r7b-12-2024",
  "command-r-plus",
  "command-r",
];
const VISION_MODELS = new Set(["command-a-vision-07-2025"]);

// Cohere wraps every prompt in a template of its own; those tokens are counted in `tokens` but not billed.
const TEMPLATE_TOKENS = 495;
const CACHED_TEMPLATE_TOKENS = 448;

const BEARER = /^Bearer\s+(.+)$/i;
const DOCS_LINK = "For proper usage, please refer to https://docs.cohere.com/reference/chat";

// Every field Cohere's v2 chat request defines, per object (the cohere-ai SDK's serializers).
const REQUEST_FIELDS = new Set([
  "model",
  "messages",
  "stream",
  "tools",
  "strict_tools",
  "documents",
  "citation_options",
  "response_format",
  "safety_mode",
  "max_tokens",
  "stop_sequences",
  "temperature",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "k",
  "p",
  "logprobs",
  "tool_choice",
  "thinking",
  "priority",
]);
const MESSAGE_FIELDS: Record<string, Set<string>> = {
  system: new Set(["role", "content"]),
  user: new Set(["role", "content"]),
  assistant: new Set(["role", "content", "tool_calls", "tool_plan", "citations"]),
  tool: new Set(["role", "tool_call_id", "content"]),
};
const PART_FIELDS: Record<string, Set<string>> = {
  text: new Set(["type", "text"]),
  thinking: new Set(["type", "thinking"]),
  image_url: new Set(["type", "image_url"]),
  document: new Set(["type", "document"]),
};
// Content part types each role may send.
const ROLE_PARTS: Record<string, Set<string>> = {
  system: new Set(["text"]),
  user: new Set(["text", "image_url"]),
  assistant: new Set(["text", "thinking"]),
  tool: new Set(["text", "document"]),
};
const TOOL_FIELDS = new Set(["type", "function"]);
const FUNCTION_FIELDS = new Set(["name", "description", "parameters"]);
const TOOL_CALL_FIELDS = new Set(["id", "type", "function"]);
const TOOL_CALL_FUNCTION_FIELDS = new Set(["name", "arguments"]);

type Json = Record<string, any>;

class Fake {
  readonly apiKey: string;
  private readonly log = new RequestLog();
  private readonly scripts = new ScriptQueue<Scripted>();
  private readonly models: Set<string>;

  constructor(opts: FakeCohereOptions) {
    this.apiKey = opts.apiKey ?? "co-test-key";
    this.models = new Set(opts.models ?? DEFAULT_MODELS);
  }

  start(): FakeCohere {
    const server = serveLocally((request) => this.handle(request));
    return {
      url: server.origin,
      apiKey: this.apiKey,
      ...controls(server, this.log, this.scripts),
    };
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const received = this.log.record(await readRequest(request, url), request.signal);
    const { headers } = received;

    const fail = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      Response.json(body, { status, headers: { ...commonHeaders(), ...extra } });

    if (url.pathname === "/v2/embed" && request.method === "POST") {
      const key = headers.authorization?.match(BEARER)?.[1]?.trim();
      if (!key) return fail(401, errorBody("no api key supplied"));
      if (key !== this.apiKey) return fail(401, errorBody("invalid api token"));
      const invalid = validateEmbed(received.body);
      if (invalid) return fail(invalid.status, errorBody(invalid.message));
      const script = this.scripts.next();
      if (script && "error" in script) {
        if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
        return fail(script.error.status, script.error.body ?? errorBody("internal server error"), script.error.headers);
      }
      if (script && !(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      return Response.json(embedAnswer(received.body as Json), { headers: { ...commonHeaders(), ...(script?.headers ?? {}) } });
    }
    if (url.pathname !== "/v2/chat") return fail(404, errorBody(`path '${url.pathname}' not found`));
    if (request.method !== "POST") return fail(405, errorBody(`method '${request.method}' not allowed`));
    const key = headers.authorization?.match(BEARER)?.[1]?.trim();
    if (!key) return fail(401, errorBody("no api key supplied"));
    if (key !== this.apiKey) return fail(401, errorBody("invalid api token"));
    const invalid = this.validate(received.body);
    if (invalid) return fail(invalid.status, errorBody(invalid.message));
    const body = received.body as Json;

    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      return fail(script.error.status, script.error.body ?? errorBody("internal server error"), script.error.headers);
    }
    return this.answer(body, script ?? {}, request.signal, received);
  }

  // The first problem found, with the status Cohere uses for it: 422 for a field it does not
  // know, 404 for a model it does not have, 400 for everything else.
  private validate(body: unknown): { status: number; message: string } | null {
    const bad = (message: string) => ({ status: 400, message: `invalid request: ${message}` });
    if (!body || typeof body !== "object" || Array.isArray(body)) return bad("body must be a JSON object");
    const unknown = unknownField(body as Json);
    if (unknown) return { status: 422, message: `unknown field: parameter '${unknown}' is not a valid field. ${DOCS_LINK}` };
    const b = body as Json;
    if (typeof b.model !== "string" || !b.model) return bad("model must be specified");
    if (b.stream !== undefined && typeof b.stream !== "boolean") return bad("stream must be a boolean");
    if (!Array.isArray(b.messages) || b.messages.length === 0) return bad("messages must contain at least one message");
    const callIds = new Set<string>();
    for (const [i, m] of b.messages.entries()) {
      const problem = messageProblem(m, i, callIds, VISION_MODELS.has(b.model) ? null : b.model);
      if (problem) return bad(problem);
    }
    if (b.tools !== undefined) {
      if (!Array.isArray(b.tools)) return bad("tools must be a list");
      for (const [i, t] of b.tools.entries()) {
        if (t?.type !== "function") return bad(`tools[${i}].type must be 'function'`);
        if (typeof t.function?.name !== "string" || !t.function.name) return bad(`tools[${i}].function.name is required`);
        if (!t.function.parameters || typeof t.function.parameters !== "object") return bad(`tools[${i}].function.parameters is required`);
      }
    }
    if (b.tool_choice !== undefined) {
      if (b.tool_choice !== "REQUIRED" && b.tool_choice !== "NONE") return bad("tool_choice must be one of 'REQUIRED' or 'NONE'");
      if (!Array.isArray(b.tools) || b.tools.length === 0) return bad("tool_choice can only be used when tools are specified");
    }
    const range = (name: string, min: number, max: number) =>
      b[name] !== undefined && (typeof b[name] !== "number" || b[name] < min || b[name] > max) ? bad(`${name} must be between ${min} and ${max}`) : null;
    const outOfRange = range("p", 0.01, 0.99) ?? range("k", 0, 500) ?? range("frequency_penalty", 0, 1) ?? range("presence_penalty", 0, 1);
    if (outOfRange) return outOfRange;
    if (b.temperature !== undefined && (typeof b.temperature !== "number" || b.temperature < 0)) return bad("temperature must be a non-negative number");
    if (b.max_tokens !== undefined && (!Number.isInteger(b.max_tokens) || b.max_tokens < 1)) return bad("max_tokens must be a positive integer");
    if (b.stop_sequences !== undefined) {
      if (!Array.isArray(b.stop_sequences) || b.stop_sequences.some((s: unknown) => typeof s !== "string"))
        return bad("stop_sequences must be a list of strings");
      if (b.stop_sequences.length > 5) return bad("stop_sequences can contain at most 5 sequences");
    }
    if (b.response_format !== undefined) {
      const type = b.response_format?.type;
      if (type !== "text" && type !== "json_object") return bad("response_format.type must be one of 'text' or 'json_object'");
      if (type === "text" && b.response_format.json_schema !== undefined) return bad("json_schema can only be used with response_format type 'json_object'");
    }
    if (b.thinking !== undefined && b.thinking?.type !== "enabled" && b.thinking?.type !== "disabled") {
      return bad("thinking.type must be one of 'enabled' or 'disabled'");
    }
    if (!this.models.has(b.model)) {
      return { status: 404, message: `model '${b.model}' not found, make sure the correct model ID was used and that you have access to the model.` };
    }
    return null;
  }

  private async answer(body: Json, script: ScriptedAnswer, signal: AbortSignal, received: ReceivedRequest): Promise<Response> {
    const plan = this.plan(body, script);
    if (!(await passGate(script.gate, signal))) return new Response(null, { status: 499 });
    if (body.stream !== true) {
      return Response.json(completion(plan), { headers: { ...commonHeaders(), ...script.headers } });
    }
    const events = streamEvents(plan, script);
    const encoder = new TextEncoder();
    const stream = gatedStream(
      events.map((event) => encoder.encode(event)),
      script.gate,
      signal,
      () => this.log.markAborted(received),
    );
    return new Response(stream, {
      headers: { ...commonHeaders(), "content-type": "text/event-stream", "cache-control": "no-cache", ...script.headers },
    });
  }

  private plan(body: Json, script: ScriptedAnswer): Plan {
    const toolCalls = (script.toolCalls ?? []).map((call) => ({
      id: call.id ?? `${call.name}_${randomString(LOWER_ALNUM, 12)}`,
      name: call.name,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    }));
    const content = script.content ?? (toolCalls.length ? "" : lastUserText(body.messages));
    const toolPlan = toolCalls.length ? (script.toolPlan ?? `I will use the ${toolCalls.map((c) => c.name).join(" and ")} tools to answer.`) : "";
    const billedInput = script.usage?.billedInput ?? body.messages.reduce((n: number, m: Json) => n + Math.ceil(messageText(m).length / 4) + 1, 0);
    const billedOutput =
      script.usage?.billedOutput ??
      textPieces(content).length +
        textPieces(toolPlan).length +
        textPieces(script.thinking ?? "").length +
        toolCalls.reduce((n, c) => n + 3 + argumentPieces(c.arguments).length, 0);
    const input = script.usage?.input ?? billedInput + TEMPLATE_TOKENS + (Array.isArray(body.tools) ? 50 * body.tools.length : 0);
    return {
      id: crypto.randomUUID(),
      content,
      toolPlan,
      toolCalls,
      thinking: script.thinking ?? "",
      citations: script.citations ?? [],
      finishReason: script.finishReason ?? (toolCalls.length ? "TOOL_CALL" : "COMPLETE"),
      usage: {
        billed_units: { input_tokens: billedInput, output_tokens: billedOutput },
        tokens: { input_tokens: input, output_tokens: script.usage?.output ?? billedOutput + 3 },
        cached_tokens: script.usage?.cached ?? Math.min(CACHED_TEMPLATE_TOKENS, input),
      },
    };
  }
}

interface Plan {
  id: string;
  content: string;
  toolPlan: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  thinking: string;
  citations: unknown[];
  finishReason: CohereFinishReason;
  usage: Json;
}

// Field order follows cohere-text.json and cohere-tool-call.json.
function completion(plan: Plan): Json {
  const message: Json = { role: "assistant" };
  if (plan.toolCalls.length) {
    message.tool_plan = plan.toolPlan;
    message.tool_calls = plan.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  }
  const parts: Json[] = [];
  if (plan.thinking) parts.push({ type: "thinking", thinking: plan.thinking });
  if (plan.content) parts.push({ type: "text", text: plan.content });
  if (parts.length) message.content = parts;
  if (plan.citations.length) message.citations = plan.citations;
  return { id: plan.id, message, finish_reason: plan.finishReason, usage: plan.usage };
}

// Event order and shapes follow cohere-text.chunks.txt and cohere-tool-call.chunks.txt; every event
// is `event: <type>` plus `data: <json>`, and the stream closes with `data: [DONE]`.
function streamEvents(plan: Plan, script: ScriptedAnswer): string[] {
  const events: Json[] = [
    { id: plan.id, type: "message-start", delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } },
  ];
  let contentIndex = 0;
  const contentBlock = (kind: "text" | "thinking", text: string) => {
    const index = contentIndex++;
    events.push({ type: "content-start", index, delta: { message: { content: { type: kind, [kind]: "" } } } });
    for (const piece of textPieces(text)) events.push({ type: "content-delta", index, delta: { message: { content: { [kind]: piece } } } });
    events.push({ type: "content-end", index });
  };
  if (plan.thinking) contentBlock("thinking", plan.thinking);
  for (const piece of textPieces(plan.toolPlan)) events.push({ type: "tool-plan-delta", delta: { message: { tool_plan: piece } } });
  plan.toolCalls.forEach((call, index) => {
    events.push({
      type: "tool-call-start",
      index,
      delta: { message: { tool_calls: { id: call.id, type: "function", function: { name: call.name, arguments: "" } } } },
    });
    for (const piece of argumentPieces(call.arguments)) {
      events.push({ type: "tool-call-delta", index, delta: { message: { tool_calls: { function: { arguments: piece } } } } });
    }
    events.push({ type: "tool-call-end", index });
  });
  if (plan.content) contentBlock("text", plan.content);
  plan.citations.forEach((citation, index) => {
    events.push({ type: "citation-start", index, delta: { message: { citations: citation } } });
    events.push({ type: "citation-end", index });
  });
  const end = { type: "message-end", delta: { finish_reason: plan.finishReason, usage: plan.usage } };

  const sse = (event: Json) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  if (script.dropAfter !== undefined) return events.slice(0, script.dropAfter).map(sse);
  if (script.failAfter !== undefined) {
    const failed = { type: "message-end", delta: { error: script.errorText ?? "internal server error", finish_reason: "ERROR", usage: plan.usage } };
    return [...events.slice(0, script.failAfter), failed].map(sse).concat("data: [DONE]\n\n");
  }
  return [...events, end].map(sse).concat("data: [DONE]\n\n");
}

/** The field of the request (or of a message, part, tool or tool call) Cohere does not define, if any. */
function unknownField(body: Json): string | null {
  const extra = (obj: unknown, allowed: Set<string>) =>
    obj && typeof obj === "object" && !Array.isArray(obj) ? (Object.keys(obj).find((k) => !allowed.has(k)) ?? null) : null;
  const top = extra(body, REQUEST_FIELDS);
  if (top) return top;
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    const fields = MESSAGE_FIELDS[m?.role];
    if (!fields) continue;
    const own = extra(m, fields);
    if (own) return own;
    for (const part of Array.isArray(m.content) ? m.content : []) {
      const partFields = PART_FIELDS[part?.type];
      const inPart = partFields ? extra(part, partFields) : null;
      if (inPart) return inPart;
    }
    for (const call of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
      const inCall = extra(call, TOOL_CALL_FIELDS) ?? extra(call?.function, TOOL_CALL_FUNCTION_FIELDS);
      if (inCall) return inCall;
    }
  }
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    const inTool = extra(tool, TOOL_FIELDS) ?? extra(tool?.function, FUNCTION_FIELDS);
    if (inTool) return inTool;
  }
  return null;
}

function messageProblem(m: Json, i: number, callIds: Set<string>, nonVisionModel: string | null): string | null {
  const at = `messages[${i}]`;
  if (!m || typeof m !== "object") return `${at} must be an object`;
  if (!MESSAGE_FIELDS[m.role]) return `${at}.role must be one of 'system', 'user', 'assistant' or 'tool'`;
  const content = m.content;
  if (Array.isArray(content)) {
    for (const [j, part] of content.entries()) {
      if (!ROLE_PARTS[m.role].has(part?.type)) return `${at}.content[${j}].type '${part?.type}' is not valid for a ${m.role} message`;
      if (part.type === "image_url" && nonVisionModel) return `model '${nonVisionModel}' does not support image inputs`;
      if (part.type === "image_url" && typeof part.image_url?.url !== "string") return `${at}.content[${j}].image_url.url is required`;
    }
  } else if (content !== undefined && typeof content !== "string") {
    return `${at}.content must be a string or a list of content blocks`;
  }
  if (m.role === "assistant") {
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
    if (content === undefined && calls.length === 0) return `${at} must have content or tool_calls`;
    for (const call of calls) {
      if (typeof call?.id !== "string" || call.type !== "function" || typeof call.function?.name !== "string") {
        return `${at}.tool_calls must have an id, type 'function' and a function name`;
      }
      callIds.add(call.id);
    }
  } else if (content === undefined) {
    return `${at}.content is required`;
  }
  if (m.role === "tool") {
    if (typeof m.tool_call_id !== "string") return `${at}.tool_call_id is required`;
    if (!callIds.has(m.tool_call_id)) return `${at}.tool_call_id '${m.tool_call_id}' does not match a tool call of an earlier assistant message`;
  }
  return null;
}

function commonHeaders(): Record<string, string> {
  return { "x-debug-trace-id": randomHex(32), "x-envoy-upstream-service-time": "42" };
}

function errorBody(message: string) {
  return { id: crypto.randomUUID(), message };
}

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

// ---------------------------------------------------------------------------------------------
// POST /v2/embed

/** Embed models: their default size and the sizes `output_dimension` may pick (embed-v4.0 only). */
export const COHERE_EMBED_MODELS: Record<string, { dims: number; sizes: number[] }> = {
  "embed-v4.0": { dims: 1536, sizes: [256, 512, 1024, 1536] },
  "embed-english-v3.0": { dims: 1024, sizes: [] },
  "embed-multilingual-v3.0": { dims: 1024, sizes: [] },
  "embed-english-light-v3.0": { dims: 384, sizes: [] },
};
export const COHERE_MAX_TEXTS = 96;
const EMBED_FIELDS = new Set(["model", "texts", "images", "inputs", "input_type", "embedding_types", "output_dimension", "max_tokens", "truncate", "priority"]);
const INPUT_TYPES = new Set(["search_document", "search_query", "classification", "clustering", "image"]);
const EMBEDDING_TYPES = new Set(["float", "int8", "uint8", "binary", "ubinary", "base64"]);

function validateEmbed(body: unknown): { status: number; message: string } | null {
  const bad = (message: string) => ({ status: 400, message: `invalid request: ${message}` });
  if (!body || typeof body !== "object" || Array.isArray(body)) return bad("body must be a JSON object");
  const b = body as Json;
  const unknown = Object.keys(b).find((k) => !EMBED_FIELDS.has(k));
  if (unknown)
    return {
      status: 422,
      message: `unknown field: parameter '${unknown}' is not a valid field. For proper usage, please refer to https://docs.cohere.com/reference/embed`,
    };
  if (typeof b.model !== "string" || !b.model) return bad("model must be specified");
  const spec = COHERE_EMBED_MODELS[b.model];
  if (!spec) return { status: 404, message: `model '${b.model}' not found, make sure the correct model ID was used and that you have access to the model.` };
  if (!Array.isArray(b.texts) || b.texts.length === 0) return bad("texts must contain at least one text");
  if (b.texts.length > COHERE_MAX_TEXTS) return bad(`total number of texts must be at most ${COHERE_MAX_TEXTS} - received ${b.texts.length}`);
  if (b.texts.some((t: unknown) => typeof t !== "string" || t === "")) return bad("texts must be non-empty strings");
  if (typeof b.input_type !== "string") return bad("valid input_type must be provided with the provided model");
  if (!INPUT_TYPES.has(b.input_type)) return bad(`input_type must be one of ${[...INPUT_TYPES].join(", ")}`);
  if (b.embedding_types !== undefined) {
    if (!Array.isArray(b.embedding_types) || b.embedding_types.some((t: unknown) => !EMBEDDING_TYPES.has(String(t)))) {
      return bad(`embedding_types must be a list of ${[...EMBEDDING_TYPES].join(", ")}`);
    }
  }
  if (b.output_dimension !== undefined) {
    if (!spec.sizes.length) return bad(`output_dimension is not supported for model '${b.model}'`);
    if (!spec.sizes.includes(b.output_dimension)) return bad(`output_dimension must be one of ${spec.sizes.join(", ")}`);
  }
  return null;
}

function embedAnswer(b: Json): unknown {
  const spec = COHERE_EMBED_MODELS[b.model]!;
  const dims = typeof b.output_dimension === "number" ? b.output_dimension : spec.dims;
  const texts = b.texts as string[];
  const types: string[] = b.embedding_types ?? ["float"];
  const embeddings: Record<string, unknown> = {};
  if (types.includes("float")) embeddings.float = texts.map((t) => fakeEmbedding(t, dims));
  return {
    id: crypto.randomUUID(),
    texts,
    embeddings,
    meta: { api_version: { version: "2" }, billed_units: { input_tokens: texts.reduce((n, t) => n + fakeTokenCount(t), 0) } },
    response_type: "embeddings_by_type",
  };
}
