// A local stand-in for api.anthropic.com's POST /v1/messages, for tests.
//
// Copied from Anthropic's documentation (platform.claude.com: Messages API reference, Streaming
// Messages, Errors, Thinking, Tool use) and from test/providers/anthropic/fixtures/ (field
// order, `cache_creation`, `service_tier`, `inference_geo`, the `ping` after the first block, the
// empty first `input_json_delta`, cumulative usage on `message_delta`). Error messages are the
// API's own wording where it is publicly reported; the few marked "(approx.)" are the right type
// and status with our own wording, since the real text is not published.
//
// Two API versions are spoken: 2023-06-01 (what the gateway sends) and 2026-10-21 (what the
// official SDK 1.x sends, with the key as `Authorization: Bearer`), which refuses sampling
// parameters on every model. Both auth headers are accepted; x-api-key wins when both are sent.

import { createHash } from "node:crypto";
import { controls, type FakeControls, type ScriptedCommon } from "./controls.ts";
import { gatedStream, passGate } from "./gate.ts";
import { serveLocally } from "./local-server.ts";
import { argumentPieces, textPieces } from "./pieces.ts";
import { randomString } from "./random.ts";
import { readRequest, RequestLog, type ReceivedRequest } from "./request-log.ts";
import { ScriptQueue } from "./script-queue.ts";
import { cacheControlProblem, PromptCache } from "./anthropic-prompt-cache.ts";

export { streamGate, type StreamGate } from "./gate.ts";
export type { ReceivedRequest } from "./request-log.ts";

export interface ScriptedToolUse {
  name: string;
  input: Record<string, unknown>;
  /** default: a fresh "toolu_…" id */
  id?: string;
}

export interface ScriptedUsage {
  /** uncached input tokens; default: a count derived from the request */
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface ScriptedAnswer extends ScriptedCommon {
  /** The answer's text. Default: the last user message's text; none when toolUses are given. */
  text?: string;
  /**
   * A thinking block before the answer, sent only when the request turned thinking on (or the model
   * always thinks), shown or omitted per `thinking.display`. Its signature is checked when it comes back.
   */
  thinking?: string;
  /** A redacted_thinking block (its opaque data) after the thinking, under the same condition. */
  redactedThinking?: string;
  toolUses?: ScriptedToolUse[];
  /** Default: tool_use with tool uses; else stop_sequence / max_tokens when the request's limits cut the text; else end_turn. */
  stopReason?: string;
  /** `stop_details` (refusals carry one). */
  stopDetails?: Record<string, unknown>;
  usage?: ScriptedUsage;
  /** the `model` reported back; default: the snapshot the requested id stands for */
  model?: string;
  /** Streams only: after this many events an `error` event (default overloaded_error) ends the stream. */
  failAfter?: number;
  failWith?: { type: string; message: string };
  headers?: Record<string, string>;
}

export interface ScriptedError extends ScriptedCommon {
  error: { status: number; type: string; message: string; headers?: Record<string, string> };
}

export type Scripted = ScriptedAnswer | ScriptedError;

export interface FakeAnthropicOptions {
  /** the only key accepted; default "sk-ant-api03-test-fake" */
  apiKey?: string;
}

export interface FakeAnthropic extends FakeControls<ReceivedRequest, Scripted> {
  /** the API root, like ANTHROPIC_BASE_URL: http://127.0.0.1:PORT (the client appends /v1/messages) */
  url: string;
  apiKey: string;
}

export function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  return Promise.resolve(new Fake(opts).start());
}

/** Any Anthropic error, in its `{"type":"error","error":{...},"request_id"}` body. */
export function anthropicError(status: number, type: string, message: string, opts: { headers?: Record<string, string>; times?: number } = {}): ScriptedError {
  return { error: { status, type, message, headers: opts.headers }, times: opts.times };
}

/** The 429 of a requests-per-minute limit, with retry-after (seconds) and the rate-limit headers at zero. */
export function rateLimited(retryAfterSeconds = 1, opts: { times?: number } = {}): ScriptedError {
  const reset = resetAt(retryAfterSeconds);
  return anthropicError(
    429,
    "rate_limit_error",
    `This request would exceed the rate limit for your organization (${ORGANIZATION}) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.`,
    {
      headers: {
        "retry-after": String(Math.ceil(retryAfterSeconds)),
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": reset,
      },
      times: opts.times,
    },
  );
}

/** The 529 the API answers when it is overloaded. */
export function overloaded(opts: { times?: number } = {}): ScriptedError {
  return anthropicError(529, "overloaded_error", "Overloaded", opts);
}

/** The signature the fake gives a thinking block with this (shown) text, and checks when the block comes back. */
export function signThinking(shown: string): string {
  return `EqQB${createHash("sha256").update(`fake-anthropic-thinking\0${shown}`).digest("base64")}`;
}

// ---------------------------------------------------------------------------------------------

const ORGANIZATION = "7c3a5d02-6f1e-4a8b-9d2c-0e1f2a3b4c5d";
const VERSIONS = new Set(["2023-01-01", "2023-06-01", "2026-10-21"]);
const SAMPLING_FREE_VERSION = "2026-10-21";
const EXTENDED_THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

/** How each model behaves, from the models overview and the thinking troubleshooting table. */
interface ModelSpec {
  /** the id reported in responses */
  reported: string;
  maxOutput: number;
  /** none: no thinking at all; budget: enabled only; both: enabled or adaptive; adaptive: adaptive (disabled allowed); always: adaptive, never off */
  thinking: "none" | "budget" | "both" | "adaptive" | "always";
  /** both: temperature and top_p together; one: only one of them; none: neither (deprecated on the model) */
  sampling: "both" | "one" | "none";
  /** the model continues a final assistant message */
  prefill: boolean;
  /** `role: "system"` accepted right after a user turn */
  midSystem: boolean;
  /** adaptive thinking's display when the request does not say */
  display: "summarized" | "omitted";
}

function spec(
  reported: string,
  maxOutput: number,
  thinking: ModelSpec["thinking"],
  sampling: ModelSpec["sampling"],
  extra: Partial<ModelSpec> = {},
): ModelSpec {
  return { reported, maxOutput, thinking, sampling, prefill: true, midSystem: false, display: "summarized", ...extra };
}

const NEW_GEN = { prefill: false, midSystem: true, display: "omitted" as const };
const SPECS: ReadonlyArray<[string[], ModelSpec]> = [
  [["claude-3-haiku-20240307"], spec("claude-3-haiku-20240307", 4096, "none", "both")],
  [["claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"], spec("claude-3-5-haiku-20241022", 8192, "none", "both")],
  [["claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"], spec("claude-3-7-sonnet-20250219", 64_000, "budget", "both")],
  [["claude-sonnet-4-0", "claude-sonnet-4-20250514"], spec("claude-sonnet-4-20250514", 64_000, "budget", "both")],
  [["claude-opus-4-1", "claude-opus-4-1-20250805"], spec("claude-opus-4-1-20250805", 32_000, "budget", "one")],
  [["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"], spec("claude-sonnet-4-5-20250929", 64_000, "budget", "one")],
  [["claude-haiku-4-5", "claude-haiku-4-5-20251001"], spec("claude-haiku-4-5-20251001", 64_000, "budget", "one")],
  [["claude-opus-4-5", "claude-opus-4-5-20251101"], spec("claude-opus-4-5-20251101", 64_000, "budget", "one")],
  [["claude-sonnet-4-6"], spec("claude-sonnet-4-6", 64_000, "both", "one", { prefill: false })],
  [["claude-opus-4-6"], spec("claude-opus-4-6", 128_000, "both", "one", { prefill: false })],
  [["claude-opus-4-7"], spec("claude-opus-4-7", 128_000, "adaptive", "none", { ...NEW_GEN, midSystem: false })],
  [["claude-opus-4-8"], spec("claude-opus-4-8", 128_000, "adaptive", "none", NEW_GEN)],
  [["claude-sonnet-5"], spec("claude-sonnet-5", 128_000, "adaptive", "none", NEW_GEN)],
  [["claude-opus-5"], spec("claude-opus-5", 128_000, "adaptive", "none", NEW_GEN)],
  [["claude-fable-5"], spec("claude-fable-5", 128_000, "always", "none", NEW_GEN)],
];
const MODELS = new Map(SPECS.flatMap(([ids, s]) => ids.map((id) => [id, s] as const)));

// Top-level fields of a Messages request (the API refuses any other: "x: Extra inputs are not permitted").
const KNOWN_FIELDS = new Set(
  (
    "model messages max_tokens system metadata stop_sequences stream temperature top_p top_k tools tool_choice thinking " +
    "output_config service_tier container context_management mcp_servers inference_geo cache_control speed diagnostics"
  ).split(" "),
);
const SAMPLING_FIELDS = ["temperature", "top_p", "top_k"];
const USER_BLOCKS = new Set(["text", "image", "document", "search_result", "tool_result"]);
const ASSISTANT_BLOCKS = new Set(["text", "thinking", "redacted_thinking", "tool_use", "server_tool_use"]);
const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;
const EFFORTS = new Set(["low", "medium", "high", "xhigh", "max"]);
const NON_BLANK = /\S/;
const TRAILING_SPACE = /\s$/;
const BEARER = /^Bearer\s+(.+)$/i;
const FRACTIONAL_SECONDS = /\.\d+Z$/;

type Json = Record<string, any>;
type Problem = { status: number; type: string; message: string };

const invalid = (message: string): Problem => ({ status: 400, type: "invalid_request_error", message });

interface Plan {
  id: string;
  model: string;
  blocks: Json[];
  stopReason: string;
  stopSequence: string | null;
  stopDetails?: Record<string, unknown>;
  usage: {
    input_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_1h_input_tokens: number;
    output_tokens: number;
    thinking_tokens: number;
  };
  /** pieces of each block as it is streamed: text/thinking deltas, tool input fragments */
  pieces: string[][];
}

class Fake {
  readonly apiKey: string;
  private readonly log = new RequestLog();
  private readonly scripts = new ScriptQueue<Scripted>();
  private readonly cache = new PromptCache();
  private requestsLeft = 50;

  constructor(opts: FakeAnthropicOptions) {
    this.apiKey = opts.apiKey ?? "sk-ant-api03-test-fake";
  }

  start(): FakeAnthropic {
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

    if (request.method !== "POST" || url.pathname !== "/v1/messages") {
      return this.fail({ status: 404, type: "not_found_error", message: "Not Found" });
    }
    const authProblem = this.checkAuth(headers);
    if (authProblem) return this.fail(authProblem);
    const version = headers["anthropic-version"];
    if (!version) return this.fail(invalid("anthropic-version: header is required"));
    if (!VERSIONS.has(version)) return this.fail(invalid(`anthropic-version: invalid version '${version}' (approx.)`));
    const problem = validate(received.body, version);
    if (problem) return this.fail(problem);
    const body = received.body as Json;

    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      const { status, type, message, headers: extra } = script.error;
      return this.fail({ status, type, message }, extra);
    }
    return this.answer(body, script ?? {}, request.signal, received);
  }

  private checkAuth(headers: Record<string, string>): Problem | null {
    const bearer = headers.authorization?.match(BEARER)?.[1]?.trim();
    const key = headers["x-api-key"] ?? bearer;
    if (key === undefined) return { status: 401, type: "authentication_error", message: "x-api-key header is required" };
    if (key !== this.apiKey) return { status: 401, type: "authentication_error", message: "invalid x-api-key" };
    return null;
  }

  private fail(problem: Problem, extraHeaders: Record<string, string> = {}): Response {
    const requestId = newRequestId();
    const retryable = problem.status === 429 || problem.status >= 500;
    return Response.json(
      { type: "error", error: { type: problem.type, message: problem.message }, request_id: requestId },
      {
        status: problem.status,
        headers: {
          "content-type": "application/json",
          "request-id": requestId,
          "x-should-retry": String(retryable),
          "anthropic-organization-id": ORGANIZATION,
          ...extraHeaders,
        },
      },
    );
  }

  private successHeaders(requestId: string): Record<string, string> {
    this.requestsLeft = Math.max(0, this.requestsLeft - 1);
    const reset = resetAt(60);
    return {
      "request-id": requestId,
      "anthropic-organization-id": ORGANIZATION,
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": String(this.requestsLeft),
      "anthropic-ratelimit-requests-reset": reset,
      "anthropic-ratelimit-input-tokens-limit": "30000",
      "anthropic-ratelimit-input-tokens-remaining": "29000",
      "anthropic-ratelimit-input-tokens-reset": reset,
      "anthropic-ratelimit-output-tokens-limit": "8000",
      "anthropic-ratelimit-output-tokens-remaining": "8000",
      "anthropic-ratelimit-output-tokens-reset": reset,
    };
  }

  private async answer(body: Json, script: ScriptedAnswer, signal: AbortSignal, received: ReceivedRequest): Promise<Response> {
    const plan = makePlan(body, script, this.cache);
    const gate = script.gate;
    if (!(await passGate(gate, signal))) return new Response(null, { status: 499 });
    const requestId = newRequestId();
    const headers = { ...this.successHeaders(requestId), ...script.headers };
    if (body.stream !== true) {
      return Response.json(messageBody(plan), { headers: { "content-type": "application/json", ...headers } });
    }
    const events = streamEvents(plan);
    if (script.failAfter !== undefined) {
      events.splice(script.failAfter);
      const error = script.failWith ?? { type: "overloaded_error", message: "Overloaded" };
      events.push(["error", { type: "error", error, request_id: requestId }]);
    }
    const encoder = new TextEncoder();
    const frames = events.map(([name, data]) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
    const stream = gatedStream(frames, gate, signal, () => this.log.markAborted(received));
    return new Response(stream, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers },
    });
  }
}

// --- validation: what the real API refuses, first problem first ---------------------------------

function validate(raw: unknown, version: string): Problem | null {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return invalid("The request body is not a valid JSON object (approx.)");
  const body = raw as Json;
  for (const key of Object.keys(body)) {
    const samplingRefused = version === SAMPLING_FREE_VERSION && SAMPLING_FIELDS.includes(key);
    if (!KNOWN_FIELDS.has(key) || samplingRefused) return invalid(`${key}: Extra inputs are not permitted`);
  }
  if (body.model === undefined) return invalid("model: Field required");
  if (typeof body.model !== "string") return invalid("model: Input should be a valid string");
  if (body.max_tokens === undefined) return invalid("max_tokens: Field required");
  if (!Number.isInteger(body.max_tokens)) return invalid("max_tokens: Input should be a valid integer");
  if (body.max_tokens < 1) return invalid("max_tokens: Input should be greater than or equal to 1");
  if (body.messages === undefined) return invalid("messages: Field required");
  if (!Array.isArray(body.messages)) return invalid("messages: Input should be a valid list");
  if (body.stream !== undefined && typeof body.stream !== "boolean") return invalid("stream: Input should be a valid boolean");

  const model = MODELS.get(body.model);
  if (!model) return { status: 404, type: "not_found_error", message: `model: ${body.model}` };
  if (body.max_tokens > model.maxOutput) {
    return invalid(`max_tokens: ${body.max_tokens} > ${model.maxOutput}, which is the maximum allowed number of output tokens for ${model.reported}`);
  }
  return (
    checkSystem(body.system) ??
    checkMetadata(body.metadata) ??
    checkStops(body.stop_sequences) ??
    checkSampling(body, model) ??
    checkTools(body) ??
    checkThinking(body, model) ??
    checkOutputConfig(body.output_config) ??
    checkMessages(body, model) ??
    cacheProblem(body)
  );
}

function cacheProblem(body: Json): Problem | null {
  const message = cacheControlProblem(body);
  return message ? invalid(message) : null;
}

function checkSystem(system: unknown): Problem | null {
  if (system === undefined || typeof system === "string") return null;
  if (!Array.isArray(system)) return invalid("system: Input should be a valid string or a valid list");
  for (const [i, block] of system.entries()) {
    if (block?.type !== "text" || typeof block.text !== "string") return invalid(`system.${i}: Input should be a text block`);
    if (block.text === "") return invalid("system: text content blocks must be non-empty");
    if (!NON_BLANK.test(block.text)) return invalid("system: text content blocks must contain non-whitespace text");
  }
  return null;
}

function checkMetadata(metadata: unknown): Problem | null {
  if (metadata === undefined) return null;
  if (!metadata || typeof metadata !== "object") return invalid("metadata: Input should be a valid dictionary");
  for (const key of Object.keys(metadata)) if (key !== "user_id") return invalid(`metadata.${key}: Extra inputs are not permitted`);
  const userId = (metadata as Json).user_id;
  if (userId !== undefined && userId !== null && typeof userId !== "string") return invalid("metadata.user_id: Input should be a valid string");
  return null;
}

function checkStops(stops: unknown): Problem | null {
  if (stops === undefined) return null;
  if (!Array.isArray(stops) || stops.some((s) => typeof s !== "string")) return invalid("stop_sequences: Input should be a valid list of strings");
  return null;
}

function checkSampling(body: Json, model: ModelSpec): Problem | null {
  for (const key of ["temperature", "top_p"]) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== "number") return invalid(`${key}: Input should be a valid number`);
    if (v < 0) return invalid(`${key}: Input should be greater than or equal to 0`);
    if (v > 1) return invalid(`${key}: Input should be less than or equal to 1`);
    if (model.sampling === "none") return invalid(`\`${key}\` is deprecated for this model.`);
  }
  if (model.sampling === "one" && body.temperature !== undefined && body.top_p !== undefined) {
    return invalid("`temperature` and `top_p` cannot both be specified for this model. Please use only one.");
  }
  return null;
}

function checkTools(body: Json): Problem | null {
  const tools = body.tools;
  const names = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return invalid("tools: Input should be a valid list");
    for (const [i, tool] of tools.entries()) {
      if (typeof tool?.name !== "string") return invalid(`tools.${i}.custom.name: Field required`);
      if (!TOOL_NAME.test(tool.name)) return invalid(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      if (!tool.input_schema || typeof tool.input_schema !== "object") return invalid(`tools.${i}.custom.input_schema: Field required`);
      if (tool.input_schema.type !== "object") return invalid(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
      if (names.has(tool.name)) return invalid("tools: Tool names must be unique.");
      names.add(tool.name);
    }
  }
  const choice = body.tool_choice;
  if (choice === undefined) return null;
  if (!choice || !["auto", "any", "tool", "none"].includes(choice.type)) {
    return invalid("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
  }
  if (choice.type === "tool" && !names.has(choice.name)) return invalid(`tool_choice.tool.name: no tool named '${choice.name}' in tools (approx.)`);
  if (choice.type === "none" && choice.disable_parallel_tool_use !== undefined)
    return invalid("tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted");
  return null;
}

function thinkingOn(body: Json, model: ModelSpec): boolean {
  const type = body.thinking?.type;
  if (type === "enabled" || type === "adaptive") return true;
  return type === undefined && model.thinking === "always";
}

function checkThinking(body: Json, model: ModelSpec): Problem | null {
  const thinking = body.thinking;
  if (thinking === undefined) return null;
  const type = thinking?.type;
  if (!["enabled", "adaptive", "disabled"].includes(type)) {
    return invalid("thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'");
  }
  if (type === "enabled") {
    if (model.thinking === "adaptive" || model.thinking === "always") {
      return invalid(
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.',
      );
    }
    if (model.thinking === "none") return invalid(`thinking: extended thinking is not supported by ${model.reported} (approx.)`);
    if (!Number.isInteger(thinking.budget_tokens)) return invalid("thinking.enabled.budget_tokens: Field required");
    if (thinking.budget_tokens < 1024) return invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
    if (body.max_tokens <= thinking.budget_tokens) {
      return invalid(
        `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${EXTENDED_THINKING_DOCS}#max-tokens-and-context-window-size`,
      );
    }
  }
  if (type === "adaptive" && (model.thinking === "none" || model.thinking === "budget")) {
    return invalid(`"thinking.type.adaptive" is not supported for this model. (approx.)`);
  }
  if (type === "adaptive" && thinking.display !== undefined && !["summarized", "omitted"].includes(thinking.display)) {
    return invalid("thinking.adaptive.display: Input should be 'summarized' or 'omitted'");
  }
  if (type === "disabled" && model.thinking === "always") return invalid('"thinking.type.disabled" is not supported for this model. (approx.)');
  if (type !== "disabled") {
    if (body.temperature !== undefined && body.temperature !== 1) {
      return invalid(
        `\`temperature\` may only be set to 1 when thinking is enabled. Please consult our documentation at ${EXTENDED_THINKING_DOCS}#feature-compatibility`,
      );
    }
    if (body.top_p !== undefined && body.top_p < 0.95) {
      return invalid(
        `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. Please consult our documentation at ${EXTENDED_THINKING_DOCS}#feature-compatibility`,
      );
    }
    if (body.tool_choice?.type === "any" || body.tool_choice?.type === "tool") {
      return invalid("Thinking may not be enabled when tool_choice forces tool use.");
    }
  }
  return null;
}

function checkOutputConfig(config: unknown): Problem | null {
  if (config === undefined) return null;
  const c = config as Json;
  for (const key of Object.keys(c)) if (key !== "effort" && key !== "format") return invalid(`output_config.${key}: Extra inputs are not permitted`);
  if (c.effort !== undefined && !EFFORTS.has(c.effort)) {
    return invalid("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
  }
  if (c.format !== undefined) {
    if (c.format?.type !== "json_schema") return invalid("output_config.format.type: Input should be 'json_schema'");
    if (!c.format.schema || typeof c.format.schema !== "object") return invalid("output_config.format.schema: Field required");
  }
  return null;
}

/** The conversation as the API sees it: consecutive same-role turns are combined into one. */
function combined(messages: Json[]): { role: string; content: Json[]; at: number }[] {
  const turns: { role: string; content: Json[]; at: number }[] = [];
  messages.forEach((m, i) => {
    const content = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    const last = turns.at(-1);
    if (last && last.role === m.role && m.role !== "system") last.content.push(...content);
    else turns.push({ role: m.role, content: [...content], at: i });
  });
  return turns;
}

function checkMessages(body: Json, model: ModelSpec): Problem | null {
  const messages: Json[] = body.messages;
  if (messages.length === 0) return invalid("messages: at least one message is required");
  for (const [i, m] of messages.entries()) {
    const problem = checkMessage(m, i, i === messages.length - 1, messages[i - 1], model);
    if (problem) return problem;
  }
  const last = messages.at(-1)!;
  if (last.role === "assistant") {
    if (!model.prefill) return invalid("This model does not support assistant message prefill. The conversation must end with a user message. (approx.)");
    const lastBlock = typeof last.content === "string" ? { type: "text", text: last.content } : last.content.at(-1);
    if (lastBlock?.type === "text" && TRAILING_SPACE.test(lastBlock.text))
      return invalid("messages: final assistant content cannot end with trailing whitespace");
  }

  const turns = combined(messages).filter((t) => t.role !== "system");
  for (const [t, turn] of turns.entries()) {
    const previous = turns[t - 1];
    const next = turns[t + 1];
    if (turn.role === "assistant") {
      const ids = turn.content.filter((b) => b.type === "tool_use").map((b) => b.id as string);
      const answered = new Set(next?.role === "user" ? next.content.filter((b) => b.type === "tool_result").map((b) => b.tool_use_id) : []);
      const missing = ids.filter((id) => !answered.has(id));
      if (missing.length && next) {
        return invalid(
          `messages.${turn.at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    } else {
      const offered = new Set(previous?.role === "assistant" ? previous.content.filter((b) => b.type === "tool_use").map((b) => b.id) : []);
      for (const [j, block] of turn.content.entries()) {
        if (block.type === "tool_result" && !offered.has(block.tool_use_id)) {
          return invalid(
            `messages.${turn.at}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      }
    }
  }

  // With thinking on, the assistant turn of an ongoing tool loop must open with its thinking.
  const lastTurn = turns.at(-1);
  const loopTurn = turns.at(-2);
  if (thinkingOn(body, model) && lastTurn?.role === "user" && loopTurn?.role === "assistant" && lastTurn.content.some((b) => b.type === "tool_result")) {
    const first = loopTurn.content[0];
    if (first?.type !== "thinking" && first?.type !== "redacted_thinking") {
      return invalid(
        `messages.${loopTurn.at}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at ${EXTENDED_THINKING_DOCS}`,
      );
    }
  }
  return null;
}

function checkMessage(m: Json, i: number, isLast: boolean, previous: Json | undefined, model: ModelSpec): Problem | null {
  if (!m || typeof m !== "object") return invalid(`messages.${i}: Input should be a valid dictionary`);
  if (m.role === "system") {
    if (!model.midSystem) return invalid(`messages.${i}: role 'system' is not supported on this model`);
    if (previous?.role !== "user") return invalid(`messages.${i}: a system message must come right after a user message (approx.)`);
  } else if (m.role !== "user" && m.role !== "assistant") {
    return invalid(`messages.${i}.role: Input should be 'user', 'assistant' or 'system'`);
  }
  const content = m.content;
  const empty = content === "" || (Array.isArray(content) && content.length === 0);
  if (empty && !(isLast && m.role === "assistant")) {
    return invalid(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
  }
  if (typeof content === "string")
    return NON_BLANK.test(content) || content === "" ? null : invalid("messages: text content blocks must contain non-whitespace text");
  if (!Array.isArray(content)) return invalid(`messages.${i}.content: Input should be a valid string or a valid list`);
  const allowed = m.role === "assistant" ? ASSISTANT_BLOCKS : m.role === "system" ? new Set(["text"]) : USER_BLOCKS;
  let seenOther = false;
  for (const [j, block] of content.entries()) {
    const at = `messages.${i}.content.${j}`;
    if (!block || typeof block !== "object" || !allowed.has(block.type)) {
      return invalid(
        `${at}: Input tag '${block?.type}' found using 'type' does not match any of the expected tags: ${[...allowed].map((t) => `'${t}'`).join(", ")}`,
      );
    }
    const problem = checkBlock(block, at);
    if (problem) return problem;
    if (block.type === "tool_result" && seenOther)
      return invalid(`messages.${i}: \`tool_result\` blocks must come before any other content in a user message (approx.)`);
    if (block.type !== "tool_result") seenOther = true;
  }
  return null;
}

function checkBlock(block: Json, at: string): Problem | null {
  switch (block.type) {
    case "text":
      if (typeof block.text !== "string") return invalid(`${at}.text.text: Field required`);
      if (block.text === "") return invalid("messages: text content blocks must be non-empty");
      if (!NON_BLANK.test(block.text)) return invalid("messages: text content blocks must contain non-whitespace text");
      return null;
    case "image": {
      const source = block.source;
      if (source?.type === "base64") {
        if (!IMAGE_TYPES.includes(source.media_type)) {
          return invalid(`${at}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
        }
        return typeof source.data === "string" ? null : invalid(`${at}.image.source.base64.data: Field required`);
      }
      if (source?.type === "url") return typeof source.url === "string" ? null : invalid(`${at}.image.source.url.url: Field required`);
      return invalid(`${at}.image.source: Input tag found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`);
    }
    case "tool_use":
      if (typeof block.id !== "string" || !TOOL_ID.test(block.id)) return invalid(`${at}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (typeof block.name !== "string") return invalid(`${at}.tool_use.name: Field required`);
      if (!block.input || typeof block.input !== "object" || Array.isArray(block.input))
        return invalid(`${at}.tool_use.input: Input should be a valid dictionary`);
      return null;
    case "tool_result": {
      if (typeof block.tool_use_id !== "string") return invalid(`${at}.tool_result.tool_use_id: Field required`);
      const c = block.content;
      if (c === undefined || typeof c === "string") return null;
      if (!Array.isArray(c)) return invalid(`${at}.tool_result.content: Input should be a valid string or a valid list`);
      for (const [k, inner] of c.entries()) {
        if (inner?.type !== "text" && inner?.type !== "image")
          return invalid(`${at}.tool_result.content.${k}: Input tag '${inner?.type}' does not match 'text', 'image'`);
        const problem = checkBlock(inner, `${at}.tool_result.content.${k}`);
        if (problem) return problem;
      }
      return null;
    }
    case "thinking":
      if (typeof block.thinking !== "string" || typeof block.signature !== "string") return invalid(`${at}.thinking.signature: Field required`);
      if (block.signature !== signThinking(block.thinking)) return invalid(`${at}: Invalid \`signature\` in \`thinking\` block`);
      return null;
    case "redacted_thinking":
      return typeof block.data === "string" ? null : invalid(`${at}.redacted_thinking.data: Field required`);
  }
  return null;
}

// --- answers -------------------------------------------------------------------------------------

function makePlan(body: Json, script: ScriptedAnswer, cache: PromptCache): Plan {
  const model = MODELS.get(body.model)!;
  const toolUses = script.toolUses ?? [];
  let text = script.text ?? (toolUses.length ? "" : lastUserText(body.messages));
  const blocks: Json[] = [];
  const pieces: string[][] = [];

  let reasoningTokens = 0;
  if (thinkingOn(body, model)) {
    const display = body.thinking?.display ?? (body.thinking?.type === "enabled" ? "summarized" : model.display);
    if (script.thinking !== undefined) {
      const shown = display === "omitted" ? "" : script.thinking;
      blocks.push({ type: "thinking", thinking: shown, signature: signThinking(shown) });
      pieces.push(textPieces(shown));
      // The model thought the whole text even when the response omits it.
      reasoningTokens += textPieces(script.thinking).length + 2;
    }
    if (script.redactedThinking !== undefined) {
      blocks.push({ type: "redacted_thinking", data: script.redactedThinking });
      pieces.push([]);
      reasoningTokens += 16;
    }
  }

  let stopReason = toolUses.length ? "tool_use" : "end_turn";
  let stopSequence: string | null = null;
  const stops: string[] = Array.isArray(body.stop_sequences) ? body.stop_sequences : [];
  const hit = stops
    .map((s) => ({ s, at: text.indexOf(s) }))
    .filter((h) => h.at >= 0)
    .sort((a, b) => a.at - b.at)[0];
  if (hit && !toolUses.length) {
    text = text.slice(0, hit.at);
    stopReason = "stop_sequence";
    stopSequence = hit.s;
  }
  let textTokens = textPieces(text);
  const room = body.max_tokens - reasoningTokens;
  if (!toolUses.length && textTokens.length > room) {
    textTokens = textTokens.slice(0, Math.max(0, room));
    text = textTokens.join("");
    stopReason = "max_tokens";
    stopSequence = null;
  }
  if (text !== "") {
    blocks.push({ type: "text", text });
    pieces.push(textTokens);
  }
  for (const use of toolUses) {
    const json = JSON.stringify(use.input);
    blocks.push({ type: "tool_use", id: use.id ?? `toolu_01${randomString(BASE58, 22)}`, name: use.name, input: use.input });
    pieces.push(argumentPieces(json));
  }
  const outputTokens = reasoningTokens + textTokens.length + toolUses.reduce((n, u) => n + 3 + argumentPieces(JSON.stringify(u.input)).length, 0);
  const prompt = promptTokens(body);
  const cached = script.usage ? null : cache.use(body, prompt);
  const written = cached ? cached.written5m + cached.written1h : 0;
  const usage = {
    input_tokens: script.usage?.input_tokens ?? prompt - (cached ? cached.read + written : 0),
    cache_creation_input_tokens: script.usage?.cache_creation_input_tokens ?? written,
    cache_read_input_tokens: script.usage?.cache_read_input_tokens ?? cached?.read ?? 0,
    cache_creation_1h_input_tokens: cached?.written1h ?? 0,
    output_tokens: script.usage?.output_tokens ?? Math.max(1, outputTokens),
    thinking_tokens: reasoningTokens,
  };
  return {
    id: `msg_01${randomString(BASE58, 22)}`,
    model: script.model ?? model.reported,
    blocks,
    stopReason: script.stopReason ?? stopReason,
    stopSequence,
    stopDetails: script.stopDetails,
    usage,
    pieces,
  };
}

function fullUsage(usage: Plan["usage"]): Json {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cache_creation_input_tokens - usage.cache_creation_1h_input_tokens,
      ephemeral_1h_input_tokens: usage.cache_creation_1h_input_tokens,
    },
    output_tokens: usage.output_tokens,
    ...thinkingDetails(usage),
    service_tier: "standard",
    inference_geo: "not_available",
  };
}

// Models that think report how much of the output was thinking (anthropic-claude-opus-5-reasoning-high.1.json).
function thinkingDetails(usage: Plan["usage"]): Json {
  return usage.thinking_tokens ? { output_tokens_details: { thinking_tokens: usage.thinking_tokens } } : {};
}

// Field order follows anthropic-text.json.
function messageBody(plan: Plan): Json {
  return {
    model: plan.model,
    id: plan.id,
    type: "message",
    role: "assistant",
    content: plan.blocks,
    stop_reason: plan.stopReason,
    stop_sequence: plan.stopSequence,
    ...(plan.stopDetails ? { stop_details: plan.stopDetails } : {}),
    usage: fullUsage(plan.usage),
  };
}

// The documented sequence, with the details of the recorded streams: message_start (output_tokens
// already counting a token or so), a ping after the first block opens, per block start/deltas/stop,
// message_delta with the cumulative usage, message_stop.
function streamEvents(plan: Plan): [string, Json][] {
  const events: [string, Json][] = [];
  events.push([
    "message_start",
    {
      type: "message_start",
      message: {
        model: plan.model,
        id: plan.id,
        type: "message",
        role: "assistant",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: fullUsage({ ...plan.usage, output_tokens: 1, thinking_tokens: 0 }),
      },
    },
  ]);
  plan.blocks.forEach((block, index) => {
    const start = (content_block: Json) => events.push(["content_block_start", { type: "content_block_start", index, content_block }]);
    const delta = (d: Json) => events.push(["content_block_delta", { type: "content_block_delta", index, delta: d }]);
    switch (block.type) {
      case "thinking":
        start({ type: "thinking", thinking: "", signature: "" });
        break;
      case "redacted_thinking":
        start(block);
        break;
      case "text":
        start({ type: "text", text: "" });
        break;
      case "tool_use":
        start({ type: "tool_use", id: block.id, name: block.name, input: {} });
        break;
    }
    if (index === 0) events.push(["ping", { type: "ping" }]);
    const pieces = plan.pieces[index] ?? [];
    if (block.type === "thinking") {
      for (const p of pieces) delta({ type: "thinking_delta", thinking: p });
      delta({ type: "signature_delta", signature: block.signature });
    } else if (block.type === "text") {
      for (const p of pieces) delta({ type: "text_delta", text: p });
    } else if (block.type === "tool_use") {
      delta({ type: "input_json_delta", partial_json: "" });
      for (const p of pieces) delta({ type: "input_json_delta", partial_json: p });
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = plan.usage;
  events.push([
    "message_delta",
    {
      type: "message_delta",
      delta: { stop_reason: plan.stopReason, stop_sequence: plan.stopSequence, ...(plan.stopDetails ? { stop_details: plan.stopDetails } : {}) },
      usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, ...thinkingDetails(plan.usage) },
    },
  ]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

function blockText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b: Json) => (b?.type === "text" ? b.text : b?.type === "tool_result" ? blockText(b.content) : b?.type === "tool_use" ? JSON.stringify(b.input) : ""))
    .join("");
}

function lastUserText(messages: Json[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== "user") continue;
    const text =
      typeof m.content === "string"
        ? m.content
        : m.content
            .filter((b: Json) => b.type === "text")
            .map((b: Json) => b.text)
            .join("");
    if (text) return text;
  }
  return "";
}

function promptTokens(body: Json): number {
  const system = typeof body.system === "string" ? body.system : Array.isArray(body.system) ? body.system.map((b: Json) => b.text).join("") : "";
  const tools = body.tools ? JSON.stringify(body.tools) : "";
  const chars = system.length + tools.length + body.messages.reduce((n: number, m: Json) => n + blockText(m.content).length, 0);
  return 8 + 4 * body.messages.length + Math.ceil(chars / 4);
}

/** An RFC 3339 time `seconds` from now, as the rate-limit reset headers give it. */
function resetAt(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(FRACTIONAL_SECONDS, "Z");
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function newRequestId(): string {
  return `req_011C${randomString(BASE58, 20)}`;
}
