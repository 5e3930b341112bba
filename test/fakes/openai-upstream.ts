// A local stand-in for api.openai.com's POST /v1/chat/completions, POST /v1/responses and POST /v1/embeddings, for tests.
//
// Every detail below is copied from OpenAI's documentation, from error bodies the real API is
// publicly reported to return, and from test/fakes/fixtures/openai/ (a real completion
// and its stream). Where the real API does something inconvenient for our tests (rejecting
// unknown request fields) the real behaviour is available behind an option.

import { lastUserText, messageText } from "./chat-text.ts";
import { fakeEmbedding, fakeTokenCount, float32Base64 } from "./embedding-vectors.ts";
import { controls, type FakeControls, type ScriptedCommon } from "./controls.ts";
import { gatedStream, passGate } from "./gate.ts";
import { serveLocally } from "./local-server.ts";
import { argumentPieces, textPieces } from "./pieces.ts";
import { ALNUM, randomHex, randomString } from "./random.ts";
import { readRequest, RequestLog, type ReceivedRequest } from "./request-log.ts";
import { ScriptQueue } from "./script-queue.ts";

export { streamGate, type StreamGate } from "./gate.ts";
export type { ReceivedRequest } from "./request-log.ts";

export interface ScriptedToolCall {
  name: string;
  /** a string is sent as is; anything else is JSON.stringify'd */
  arguments: string | Record<string, unknown>;
  /** default: a fresh "call_…" id */
  id?: string;
}

/** Unknown fields added to the response, to check that they pass through. */
export interface ExtraFields {
  /** on the completion body and on every chunk */
  top?: Record<string, unknown>;
  /** on every choice, streamed or not */
  choice?: Record<string, unknown>;
  /** on the message, or on the first delta of each streamed choice */
  message?: Record<string, unknown>;
  /** on each tool call, or on the first delta of each streamed tool call */
  toolCall?: Record<string, unknown>;
}

export interface ScriptedAnswer extends ScriptedCommon {
  /**
   * Text of the answer; an array gives one text per choice (for n > 1). Default: the text of the
   * last user message, with " (choice i)" appended for choices after the first; none when
   * toolCalls are given.
   */
  content?: string | string[];
  /** every choice calls these tools (in order, streamed one after the other like OpenAI does) */
  toolCalls?: ScriptedToolCall[];
  /** default "tool_calls" with toolCalls, else "stop" */
  finishReason?: string;
  /** overrides of the computed counts; total_tokens is always prompt + completion */
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number; reasoning_tokens?: number };
  /** the `model` reported back; default: the dated snapshot the requested name stands for */
  model?: string;
  extra?: ExtraFields;
  /** added to (or replacing) the response headers */
  headers?: Record<string, string>;
}

export interface ScriptedError extends ScriptedCommon {
  error: {
    status: number;
    /** default: OpenAI's server_error body; a function receives the request it answers */
    body?: unknown | ((request: ReceivedRequest) => unknown);
    headers?: Record<string, string>;
  };
}

export type Scripted = ScriptedAnswer | ScriptedError;

export interface FakeOpenAIOptions {
  /** the only Bearer key accepted; default "sk-test-fake" */
  apiKey?: string;
  /** false: a server started without a key (vLLM without --api-key, LM Studio): any Authorization, or none, is accepted */
  requireKey?: boolean;
  /**
   * The real API rejects top-level request fields it does not know with a 400 ("Unrecognized
   * request argument supplied: x"). Default true (accept them) so pass-through tests can send
   * fields of the future; false behaves like the real API.
   */
  acceptUnknown?: boolean;
  /**
   * Model ids that exist. A record maps each id to the id reported in responses (OpenAI answers
   * "gpt-4.1-nano" with "gpt-4.1-nano-2025-04-14"); an array reports ids unchanged.
   * Default: current OpenAI chat models with their snapshots; "<known id>-YYYY-MM-DD" is accepted.
   */
  models?: string[] | Record<string, string>;
}

export interface FakeOpenAI extends FakeControls<ReceivedRequest, Scripted> {
  /** base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  apiKey: string;
}

export function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return Promise.resolve(new Fake(opts).start());
}

/** An error in OpenAI's shape: {"error":{"message","type","param","code"}}. */
export function openAIError(
  status: number,
  message: string,
  opts: { type?: string; param?: string | null; code?: string | null; headers?: Record<string, string>; times?: number } = {},
): ScriptedError {
  return {
    error: { status, body: errorBody(message, opts.type ?? "invalid_request_error", opts.param ?? null, opts.code ?? null), headers: opts.headers },
    times: opts.times,
  };
}

/** OpenAI's 429 for a requests-per-minute limit, with retry-after (seconds) and retry-after-ms. */
export function rateLimited(retryAfterSeconds = 1, opts: { times?: number } = {}): ScriptedError {
  return {
    error: {
      status: 429,
      body: (request: ReceivedRequest) =>
        errorBody(
          `Rate limit reached for ${modelOf(request)} in organization ${ORGANIZATION} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfterSeconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          "requests",
          null,
          "rate_limit_exceeded",
        ),
      headers: {
        "retry-after": String(Math.ceil(retryAfterSeconds)),
        "retry-after-ms": String(Math.round(retryAfterSeconds * 1000)),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": `${retryAfterSeconds}s`,
      },
    },
    times: opts.times,
  };
}

/** OpenAI's generic 500. */
export function serverError(opts: { times?: number } = {}): ScriptedError {
  return { error: { status: 500, body: SERVER_ERROR_BODY }, times: opts.times };
}

// ---------------------------------------------------------------------------------------------

const ORGANIZATION = "org-fakeopentracy";
const SERVER_ERROR_BODY = errorBody("The server had an error while processing your request. Sorry about that!", "server_error", null, null);

// Snapshot ids as OpenAI reports them in `model` when asked for the alias.
const DEFAULT_MODELS: Record<string, string> = {
  "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
  "gpt-4": "gpt-4-0613",
  "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
  "gpt-4o": "gpt-4o-2024-08-06",
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "chatgpt-4o-latest": "chatgpt-4o-latest",
  "gpt-4.1": "gpt-4.1-2025-04-14",
  "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
  "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
  "gpt-5": "gpt-5-2025-08-07",
  "gpt-5-mini": "gpt-5-mini-2025-08-07",
  "gpt-5-nano": "gpt-5-nano-2025-08-07",
  o1: "o1-2024-12-17",
  "o3-mini": "o3-mini-2025-01-31",
  o3: "o3-2025-04-16",
  "o4-mini": "o4-mini-2025-04-16",
};

// Top-level fields of ChatCompletionCreateParams in the openai SDK this repo tests with.
const KNOWN_PARAMS = new Set(
  (
    "messages model audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens " +
    "max_tokens metadata modalities moderation n parallel_tool_calls prediction presence_penalty prompt_cache_key " +
    "prompt_cache_options prompt_cache_retention reasoning_effort response_format safety_identifier seed " +
    "service_tier stop store stream stream_options temperature tool_choice tools top_logprobs top_p user " +
    "verbosity web_search_options"
  ).split(" "),
);

const ROLES = ["developer", "system", "user", "assistant", "tool", "function"];

type Json = Record<string, unknown>;
type ChatRequest = Json & { model: string; messages: Json[] };

class Fake {
  readonly apiKey: string;
  private readonly log = new RequestLog();
  private readonly scripts = new ScriptQueue<Scripted>();
  private readonly acceptUnknown: boolean;
  private readonly requireKey: boolean;
  private readonly models: Map<string, string>;
  private readonly fingerprint = `fp_${randomHex(10)}`;
  private requestsLeft = 10_000;

  constructor(opts: FakeOpenAIOptions) {
    this.apiKey = opts.apiKey ?? "sk-test-fake";
    this.acceptUnknown = opts.acceptUnknown ?? true;
    this.requireKey = opts.requireKey ?? true;
    const models = opts.models ?? DEFAULT_MODELS;
    this.models = new Map(Array.isArray(models) ? models.map((id) => [id, id]) : Object.entries(models));
  }

  start(): FakeOpenAI {
    const server = serveLocally((request) => this.handle(request));
    return {
      url: `${server.origin}/v1`,
      apiKey: this.apiKey,
      ...controls(server, this.log, this.scripts),
    };
  }

  private async handle(request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    const received = this.log.record(await readRequest(request, url), request.signal);

    const fail = (status: number, body: unknown, extraHeaders: Record<string, string> = {}) =>
      Response.json(body, {
        status,
        headers: { ...this.commonHeaders(started), "content-type": "application/json", ...extraHeaders },
      });

    if (request.method === "GET" && url.pathname === "/v1/models") {
      // As the real API: the key is checked first, then the models it may use.
      const authError = this.checkAuth(received.headers.authorization);
      if (authError) return fail(401, authError);
      const data = [...this.models.keys()].map((id) => ({ id, object: "model", created: 1715367049, owned_by: "system" }));
      return Response.json({ object: "list", data }, { headers: this.commonHeaders(started) });
    }
    if (request.method === "POST" && url.pathname === "/v1/embeddings") {
      const authError = this.checkAuth(received.headers.authorization);
      if (authError) return fail(401, authError);
      const invalid = validateEmbeddings(received.body);
      if (invalid) return fail(invalid.status, invalid.body);
      const script = this.scripts.next();
      if (script && "error" in script) {
        if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
        const errorPayload = typeof script.error.body === "function" ? script.error.body(received) : (script.error.body ?? SERVER_ERROR_BODY);
        return fail(script.error.status, errorPayload, script.error.headers);
      }
      if (script && !(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      return Response.json(embeddingsAnswer(received.body as Json, script?.model), {
        headers: { ...this.commonHeaders(started), ...this.rateLimitHeaders(), ...(script?.headers ?? {}) },
      });
    }
    if (request.method === "POST" && url.pathname === "/v1/responses") {
      const authError = this.checkAuth(received.headers.authorization);
      if (authError) return fail(401, authError);
      const b = received.body as Json;
      if (typeof b?.model !== "string" || b.model === "")
        return fail(400, errorBody("Missing required parameter: 'model'.", "invalid_request_error", "model", "missing_required_parameter"));
      if (!this.modelExists(b.model)) {
        return fail(
          404,
          errorBody(`The model \`${b.model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model", "model_not_found"),
        );
      }
      const script = this.scripts.next();
      if (script && "error" in script) {
        if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
        const errorPayload = typeof script.error.body === "function" ? script.error.body(received) : (script.error.body ?? SERVER_ERROR_BODY);
        return fail(script.error.status, errorPayload, script.error.headers);
      }
      if (!(await passGate(script?.gate, request.signal))) return new Response(null, { status: 499 });
      const headers = { ...this.commonHeaders(started), ...this.rateLimitHeaders(), ...(script?.headers ?? {}) };
      const answer = responsesAnswer(b, script ?? {}, this.reportedModel(b.model));
      if (b.stream !== true) return Response.json(answer.response, { headers });
      const encoder = new TextEncoder();
      const stream = gatedStream(
        answer.events.map((event) => encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)),
        script?.gate,
        request.signal,
        () => this.log.markAborted(received),
      );
      return new Response(stream, { headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
    }
    if (request.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return fail(404, errorBody(`Invalid URL (${request.method} ${url.pathname})`, "invalid_request_error", null, null));
    }
    const authError = this.checkAuth(received.headers.authorization);
    if (authError) return fail(401, authError);
    const invalid = this.validate(received.body);
    if (invalid) return fail(invalid.status, invalid.body);
    const body = received.body as ChatRequest;

    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      const errorPayload = typeof script.error.body === "function" ? script.error.body(received) : (script.error.body ?? SERVER_ERROR_BODY);
      return fail(script.error.status, errorPayload, script.error.headers);
    }
    return this.answer(body, script ?? {}, request.signal, received, started);
  }

  private checkAuth(authorization: string | undefined): unknown {
    if (!this.requireKey) return null;
    const key = authorization?.match(/^Bearer\s+(.*)$/i)?.[1]?.trim();
    if (!key) {
      return errorBody(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        null,
        null,
      );
    }
    if (key !== this.apiKey) {
      return errorBody(
        `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    }
    return null;
  }

  // Messages and codes as the real API words them; the first problem found is reported.
  private validate(body: unknown): { status: number; body: unknown } | null {
    const bad = (message: string, param: string | null = null, code: string | null = null) => ({
      status: 400,
      body: errorBody(message, "invalid_request_error", param, code),
    });
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return bad(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      );
    }
    const fields = body as Json;
    if (!this.acceptUnknown) {
      const unknown = Object.keys(fields)
        .filter((key) => !KNOWN_PARAMS.has(key))
        .sort();
      if (unknown.length === 1) return bad(`Unrecognized request argument supplied: ${unknown[0]}`);
      if (unknown.length > 1) return bad(`Unrecognized request arguments supplied: ${unknown.join(", ")}`);
    }
    if (fields.model === undefined || fields.model === null || fields.model === "") {
      return bad("you must provide a model parameter");
    }
    if (typeof fields.model !== "string") return bad(invalidType("model", "a string", fields.model), "model", "invalid_type");
    if (fields.messages === undefined) return bad("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
    if (!Array.isArray(fields.messages)) {
      return bad(invalidType("messages", "an array of objects", fields.messages), "messages", "invalid_type");
    }
    if (fields.messages.length === 0) {
      return bad("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
    }
    for (const [i, message] of fields.messages.entries()) {
      const param = `messages[${i}]`;
      if (typeof message !== "object" || message === null || Array.isArray(message)) {
        return bad(invalidType(param, "an object", message), param, "invalid_type");
      }
      const role = (message as Json).role;
      if (role === undefined) return bad(`Missing required parameter: '${param}.role'.`, `${param}.role`, "missing_required_parameter");
      if (typeof role !== "string" || !ROLES.includes(role)) {
        return bad(
          `Invalid value: '${String(role)}'. Supported values are: ${ROLES.slice(0, -1)
            .map((r) => `'${r}'`)
            .join(", ")}, and '${ROLES.at(-1)}'.`,
          `${param}.role`,
          "invalid_value",
        );
      }
    }
    if (fields.stream !== undefined && fields.stream !== null && typeof fields.stream !== "boolean") {
      return bad(invalidType("stream", "a boolean", fields.stream), "stream", "invalid_type");
    }
    if (fields.stream_options !== undefined && fields.stream_options !== null && fields.stream !== true) {
      return bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
    }
    if (fields.n !== undefined && fields.n !== null) {
      if (!Number.isInteger(fields.n)) return bad(invalidType("n", "an integer", fields.n), "n", "invalid_type");
      const n = fields.n as number;
      if (n < 1) return bad(`Invalid 'n': integer below minimum value. Expected a value >= 1, but got ${n} instead.`, "n", "integer_below_min_value");
      if (n > 128) return bad(`Invalid 'n': integer above maximum value. Expected a value <= 128, but got ${n} instead.`, "n", "integer_above_max_value");
    }
    if (!this.modelExists(fields.model)) {
      return {
        status: 404,
        body: errorBody(`The model \`${fields.model}\` does not exist or you do not have access to it.`, "invalid_request_error", null, "model_not_found"),
      };
    }
    return null;
  }

  private modelExists(model: string): boolean {
    if (this.models.has(model)) return true;
    const dated = model.match(/^(.*)-\d{4}-\d{2}-\d{2}$/);
    return dated !== null && this.models.has(dated[1]);
  }

  private commonHeaders(started: number): Record<string, string> {
    return {
      "x-request-id": `req_${randomHex(32)}`,
      "openai-organization": ORGANIZATION,
      "openai-processing-ms": String(Math.max(1, Math.round(performance.now() - started))),
      "openai-version": "2020-10-01",
      "access-control-expose-headers": "X-Request-ID",
    };
  }

  private rateLimitHeaders(): Record<string, string> {
    this.requestsLeft = Math.max(0, this.requestsLeft - 1);
    return {
      "x-ratelimit-limit-requests": "10000",
      "x-ratelimit-limit-tokens": "10000000",
      "x-ratelimit-remaining-requests": String(this.requestsLeft),
      "x-ratelimit-remaining-tokens": "9999980",
      "x-ratelimit-reset-requests": "6ms",
      "x-ratelimit-reset-tokens": "0s",
    };
  }

  private async answer(body: ChatRequest, script: ScriptedAnswer, signal: AbortSignal, received: ReceivedRequest, started: number): Promise<Response> {
    const plan = this.plan(body, script);
    const gate = script.gate;
    if (!(await passGate(gate, signal))) return new Response(null, { status: 499 });
    const headers = { ...this.commonHeaders(started), ...this.rateLimitHeaders() };
    if (body.stream !== true) {
      return Response.json(this.completion(plan), { headers: { ...headers, "content-type": "application/json", ...script.headers } });
    }
    const events = this.chunks(plan).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
    events.push("data: [DONE]\n\n");
    const encoder = new TextEncoder();
    const stream = gatedStream(
      events.map((event) => encoder.encode(event)),
      gate,
      signal,
      () => this.log.markAborted(received),
    );
    return new Response(stream, {
      headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...script.headers },
    });
  }

  private plan(body: ChatRequest, script: ScriptedAnswer): Plan {
    const n = typeof body.n === "number" ? body.n : 1;
    const echo = lastUserText(body.messages);
    const texts = Array.from({ length: n }, (_, i) => {
      if (Array.isArray(script.content)) return script.content[i % script.content.length] ?? "";
      if (typeof script.content === "string") return script.content;
      if (script.toolCalls?.length) return "";
      return i === 0 ? echo : `${echo} (choice ${i})`;
    });
    const toolCalls = script.toolCalls ?? [];
    const choices = texts.map((text) => ({
      text,
      toolCalls: toolCalls.map((call) => ({
        id: call.id ?? `call_${randomString(ALNUM, 24)}`,
        name: call.name,
        arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
      })),
    }));
    const completionTokens = choices.reduce(
      (sum, choice) => sum + textPieces(choice.text).length + choice.toolCalls.reduce((s, c) => s + 3 + argumentPieces(c.arguments).length, 0),
      0,
    );
    const promptTokens = 3 + body.messages.reduce((sum, message) => sum + 4 + Math.ceil(messageText(message).length / 4), 0);
    const streamOptions = (body.stream_options ?? {}) as Json;
    const requestedTier = typeof body.service_tier === "string" && body.service_tier !== "auto" ? body.service_tier : "default";
    const usage = {
      prompt_tokens: script.usage?.prompt_tokens ?? promptTokens,
      completion_tokens: script.usage?.completion_tokens ?? completionTokens,
      cached_tokens: script.usage?.cached_tokens ?? 0,
      reasoning_tokens: script.usage?.reasoning_tokens ?? 0,
    };
    return {
      id: `chatcmpl-${randomString(ALNUM, 29)}`,
      created: Math.floor(Date.now() / 1000),
      model: script.model ?? this.reportedModel(body.model),
      serviceTier: requestedTier,
      choices,
      finishReason: script.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
      usage: {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        total_tokens: usage.prompt_tokens + usage.completion_tokens,
        prompt_tokens_details: { cached_tokens: usage.cached_tokens, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: usage.reasoning_tokens,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      includeUsage: streamOptions.include_usage === true,
      obfuscate: streamOptions.include_obfuscation !== false,
      extra: script.extra ?? {},
    };
  }

  private reportedModel(model: string): string {
    return this.models.get(model) ?? model;
  }

  // Field order follows openai-text.json.
  private completion(plan: Plan): Json {
    const { extra } = plan;
    return {
      id: plan.id,
      object: "chat.completion",
      created: plan.created,
      model: plan.model,
      choices: plan.choices.map((choice, index) => ({
        index,
        message: {
          role: "assistant",
          content: choice.toolCalls.length > 0 && choice.text === "" ? null : choice.text,
          ...(choice.toolCalls.length > 0
            ? {
                tool_calls: choice.toolCalls.map((call) => ({
                  id: call.id,
                  type: "function",
                  function: { name: call.name, arguments: call.arguments },
                  ...extra.toolCall,
                })),
              }
            : {}),
          refusal: null,
          annotations: [],
          ...extra.message,
        },
        logprobs: null,
        finish_reason: plan.finishReason,
        ...extra.choice,
      })),
      usage: plan.usage,
      service_tier: plan.serviceTier,
      system_fingerprint: this.fingerprint,
      ...extra.top,
    };
  }

  // Field order follows openai-text.chunks.txt. Choices of n > 1 take turns, one choice a chunk.
  private chunks(plan: Plan): Json[] {
    const { extra } = plan;
    const chunk = (choices: Json[], usage: unknown): Json => ({
      id: plan.id,
      object: "chat.completion.chunk",
      created: plan.created,
      model: plan.model,
      service_tier: plan.serviceTier,
      system_fingerprint: this.fingerprint,
      choices,
      ...(plan.includeUsage ? { usage } : {}),
      ...extra.top,
      ...(plan.obfuscate ? { obfuscation: randomString(ALNUM, 1 + Math.floor(Math.random() * 12)) } : {}),
    });
    const choiceDelta = (index: number, delta: Json, finishReason: string | null = null): Json => ({
      index,
      delta,
      logprobs: null,
      finish_reason: finishReason,
      ...extra.choice,
    });

    const perChoice = plan.choices.map((choice, index) => {
      const deltas: Json[] = [];
      const calls = choice.toolCalls.map((call, callIndex) => ({
        first: {
          index: callIndex,
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: "" },
          ...extra.toolCall,
        },
        rest: argumentPieces(call.arguments).map((piece) => ({ index: callIndex, function: { arguments: piece } })),
      }));
      // A tool-only answer opens with the first tool call in the role delta, content null.
      const opensWithTool = choice.text === "" && calls.length > 0;
      const opening: Json = opensWithTool
        ? { role: "assistant", content: null, tool_calls: [calls[0].first], refusal: null, ...extra.message }
        : { role: "assistant", content: "", refusal: null, ...extra.message };
      deltas.push(choiceDelta(index, opening));
      for (const piece of textPieces(choice.text)) deltas.push(choiceDelta(index, { content: piece }));
      calls.forEach((call, callIndex) => {
        if (!(opensWithTool && callIndex === 0)) deltas.push(choiceDelta(index, { tool_calls: [call.first] }));
        for (const piece of call.rest) deltas.push(choiceDelta(index, { tool_calls: [piece] }));
      });
      deltas.push(choiceDelta(index, {}, plan.finishReason));
      return deltas;
    });

    const chunks: Json[] = [];
    const longest = Math.max(...perChoice.map((deltas) => deltas.length));
    for (let step = 0; step < longest; step++) {
      for (const deltas of perChoice) if (step < deltas.length) chunks.push(chunk([deltas[step]], null));
    }
    if (plan.includeUsage) chunks.push(chunk([], plan.usage));
    return chunks;
  }
}

interface Plan {
  id: string;
  created: number;
  model: string;
  serviceTier: string;
  choices: { text: string; toolCalls: { id: string; name: string; arguments: string }[] }[];
  finishReason: string;
  usage: Json;
  includeUsage: boolean;
  obfuscate: boolean;
  extra: ExtraFields;
}

function errorBody(message: string, type: string, param: string | null, code: string | null) {
  return { error: { message, type, param, code } };
}

function modelOf(request: ReceivedRequest): string {
  const model = (request.body as Json | undefined)?.model;
  return typeof model === "string" ? model : "gpt-4o-mini";
}

function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function invalidType(param: string, expected: string, value: unknown): string {
  return `Invalid type for '${param}': expected ${expected}, but got ${jsonTypeName(value)} instead.`;
}

// As the real 401 shows it: the start and the last four characters, stars between.
function maskKey(key: string): string {
  if (key.length <= 8) return key;
  return `${key.slice(0, Math.min(8, key.length - 4))}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------
// POST /v1/embeddings (OpenAI API reference, "Embeddings": CreateEmbeddingRequest and response)

/** Embedding models, their native size, whether they take `dimensions`, and the id they report. */
export const EMBEDDING_MODELS: Record<string, { dims: number; shortens: boolean; reports: string }> = {
  "text-embedding-3-small": { dims: 1536, shortens: true, reports: "text-embedding-3-small" },
  "text-embedding-3-large": { dims: 3072, shortens: true, reports: "text-embedding-3-large" },
  // The real API answers ada-002 with the id of its serving version.
  "text-embedding-ada-002": { dims: 1536, shortens: false, reports: "text-embedding-ada-002-v2" },
};

/** Most inputs in one request, and most tokens in one input, as the real API enforces them. */
export const EMBEDDINGS_MAX_INPUTS = 2048;
export const EMBEDDINGS_MAX_INPUT_TOKENS = 8192;

const INPUT_INVALID = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

function embeddingInputsOf(input: unknown): (string | number[])[] | null {
  const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0);
  if (typeof input === "string") return input ? [input] : null;
  if (isTokens(input)) return [input];
  if (!Array.isArray(input) || input.length === 0 || input.length > EMBEDDINGS_MAX_INPUTS) return null;
  if (input.every((s) => typeof s === "string" && s !== "")) return input as string[];
  if (input.every(isTokens)) return input as number[][];
  return null;
}

function validateEmbeddings(body: unknown): { status: number; body: unknown } | null {
  const bad = (message: string, param: string | null = null, code: string | null = null) => ({
    status: 400,
    body: errorBody(message, "invalid_request_error", param, code),
  });
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return bad("We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.");
  }
  const b = body as Json;
  if (b.model === undefined || b.model === null || b.model === "") return bad("you must provide a model parameter");
  if (b.input === undefined) return bad("'input' is a required property");
  const inputs = embeddingInputsOf(b.input);
  if (!inputs) return bad(INPUT_INVALID);
  if (b.encoding_format !== undefined && b.encoding_format !== "float" && b.encoding_format !== "base64") {
    return bad(`Invalid value for 'encoding_format' = ${String(b.encoding_format)}. Supported values are: 'float' and 'base64'.`, "encoding_format");
  }
  const model = EMBEDDING_MODELS[String(b.model)];
  if (!model) {
    return {
      status: 404,
      body: errorBody(`The model \`${String(b.model)}\` does not exist or you do not have access to it.`, "invalid_request_error", null, "model_not_found"),
    };
  }
  if (b.dimensions !== undefined && b.dimensions !== null) {
    if (!model.shortens) return bad("This model does not support specifying dimensions.", "dimensions");
    if (!Number.isInteger(b.dimensions) || (b.dimensions as number) < 1 || (b.dimensions as number) > model.dims) {
      return bad(`Invalid value for 'dimensions' = ${String(b.dimensions)}. Must be between 1 and ${model.dims}.`, "dimensions");
    }
  }
  for (const input of inputs) {
    const n = fakeTokenCount(input);
    if (n > EMBEDDINGS_MAX_INPUT_TOKENS) {
      return bad(
        `This model's maximum context length is ${EMBEDDINGS_MAX_INPUT_TOKENS} tokens, however you requested ${n} tokens (${n} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
      );
    }
  }
  return null;
}

function embeddingsAnswer(body: Json, reportedModel: string | undefined): unknown {
  const model = EMBEDDING_MODELS[String(body.model)]!;
  const inputs = embeddingInputsOf(body.input)!;
  const dims = typeof body.dimensions === "number" ? body.dimensions : model.dims;
  const tokens = inputs.reduce((n, input) => n + fakeTokenCount(input), 0);
  return {
    object: "list",
    data: inputs.map((input, index) => {
      const v = fakeEmbedding(input, dims);
      return { object: "embedding", index, embedding: body.encoding_format === "base64" ? float32Base64(v) : v };
    }),
    model: reportedModel ?? model.reports,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

// ---------------------------------------------------------------------------------------------
// POST /v1/responses (OpenAI API reference, "Responses": the Response object and its streaming
// events, each with its sequence_number; no [DONE] at the end).

/** The text a Responses request's input ends with: what the fake echoes back. */
function lastInputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (!Array.isArray(input)) return "";
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as Json;
    if (item.type === "function_call_output") return typeof item.output === "string" ? `result: ${item.output}` : "result";
    if (item.role === "user") {
      if (typeof item.content === "string") return item.content;
      if (Array.isArray(item.content)) {
        return (item.content as Json[])
          .filter((p) => p.type === "input_text")
          .map((p) => p.text)
          .join("");
      }
    }
  }
  return "";
}

/** A scripted answer as the Responses API gives it: the Response object and, for a stream, its events in order. */
export function responsesAnswer(body: Json, script: ScriptedAnswer, model: string): { response: Json; events: Json[] } {
  const id = `resp_${randomHex(24)}`;
  const created = Math.floor(Date.now() / 1000);
  const text = typeof script.content === "string" ? script.content : script.toolCalls?.length ? "" : lastInputText(body.input);
  const calls = (script.toolCalls ?? []).map((c) => ({
    id: `fc_${randomHex(24)}`,
    call_id: c.id ?? `call_${randomString(ALNUM, 24)}`,
    name: c.name,
    arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments),
  }));
  const incomplete = script.finishReason === "length";
  const input = script.usage?.prompt_tokens ?? 3 + Math.ceil(JSON.stringify(body.input ?? "").length / 4);
  const output = script.usage?.completion_tokens ?? textPieces(text).length + calls.reduce((n, c) => n + 3 + argumentPieces(c.arguments).length, 0);
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: script.usage?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: script.usage?.reasoning_tokens ?? 0 },
    total_tokens: input + output,
  };
  const head = (status: string, out: Json[], u: unknown): Json => ({
    id,
    object: "response",
    created_at: created,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: script.model ?? model,
    output: out,
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: (body.reasoning as Json | undefined)?.effort ?? null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: u,
    user: null,
    metadata: body.metadata ?? {},
    ...script.extra?.top,
  });
  const msgId = `msg_${randomHex(24)}`;
  const itemStatus = incomplete ? "incomplete" : "completed";
  const part = (t: string) => ({ type: "output_text", annotations: [], logprobs: [], text: t });
  const message = (t: string, status: string) => ({
    id: msgId,
    type: "message",
    status,
    content: t === "" && status === "in_progress" ? [] : [part(t)],
    role: "assistant",
  });
  const call = (c: (typeof calls)[number], status: string, args: string) => ({
    id: c.id,
    type: "function_call",
    status,
    arguments: args,
    call_id: c.call_id,
    name: c.name,
  });
  const items: Json[] = [];
  if (text !== "") items.push(message(text, itemStatus));
  for (const c of calls) items.push(call(c, "completed", c.arguments));
  const response = head(incomplete ? "incomplete" : "completed", items, usage);

  const events: Json[] = [];
  const push = (e: Json) => events.push({ ...e, sequence_number: events.length });
  push({ type: "response.created", response: head("in_progress", [], null) });
  push({ type: "response.in_progress", response: head("in_progress", [], null) });
  let index = 0;
  if (text !== "") {
    push({ type: "response.output_item.added", output_index: index, item: message("", "in_progress") });
    push({ type: "response.content_part.added", item_id: msgId, output_index: index, content_index: 0, part: part("") });
    for (const piece of textPieces(text)) {
      push({
        type: "response.output_text.delta",
        item_id: msgId,
        output_index: index,
        content_index: 0,
        delta: piece,
        logprobs: [],
        obfuscation: randomString(ALNUM, 6),
      });
    }
    push({ type: "response.output_text.done", item_id: msgId, output_index: index, content_index: 0, text, logprobs: [] });
    push({ type: "response.content_part.done", item_id: msgId, output_index: index, content_index: 0, part: part(text) });
    push({ type: "response.output_item.done", output_index: index, item: message(text, itemStatus) });
    index++;
  }
  for (const c of calls) {
    push({ type: "response.output_item.added", output_index: index, item: call(c, "in_progress", "") });
    for (const piece of argumentPieces(c.arguments))
      push({ type: "response.function_call_arguments.delta", item_id: c.id, output_index: index, delta: piece, obfuscation: randomString(ALNUM, 4) });
    push({ type: "response.function_call_arguments.done", item_id: c.id, output_index: index, arguments: c.arguments });
    push({ type: "response.output_item.done", output_index: index, item: call(c, "completed", c.arguments) });
    index++;
  }
  push({ type: incomplete ? "response.incomplete" : "response.completed", response });
  return { response, events };
}
