// A local stand-in for an Azure OpenAI resource's chat completions, for tests: the dated API
// (POST /openai/deployments/{deployment}/chat/completions?api-version=...) and the v1 API
// (POST /openai/v1/chat/completions, deployment named in `model`), and embeddings on either
// (/openai/deployments/{deployment}/embeddings, /openai/v1/embeddings), answered in OpenAI's shape.
//
// Details follow Azure OpenAI's REST reference and content-filtering documentation, and error
// bodies and stream chunks the real service is publicly reported to send: keys sorted
// alphabetically, `content_filter_results` on every choice, `prompt_filter_results` on the answer
// and — when streaming — alone in a first chunk with `choices: []`, `id: ""` and `created: 0`;
// with asynchronous filtering, annotation chunks whose choices have no `delta`.

import { lastUserText, messageText } from "./chat-text.ts";
import { controls, type FakeControls, type ScriptedCommon } from "./controls.ts";
import { fakeEmbedding, fakeTokenCount, float32Base64 } from "./embedding-vectors.ts";
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
  arguments: string | Record<string, unknown>;
  /** default: a fresh "call_…" id */
  id?: string;
}

export interface ScriptedAnswer extends ScriptedCommon {
  /** default: the last user message's text (none when toolCalls are given) */
  content?: string;
  toolCalls?: ScriptedToolCall[];
  /** default "tool_calls" with toolCalls, else "stop"; "content_filter" also marks the answer as filtered */
  finishReason?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number; reasoning_tokens?: number };
  /** streams only: send asynchronous-filter annotation chunks (choices without `delta`) after the text */
  asyncFilter?: boolean;
  /** streams only: after this many chunks, send `data: {"error": ...}` (a server error) and end */
  failAfter?: number;
  headers?: Record<string, string>;
}

export interface ScriptedError extends ScriptedCommon {
  error: { status: number; body?: unknown; headers?: Record<string, string> };
}

export type Scripted = ScriptedAnswer | ScriptedError;

export interface FakeAzureOptions {
  /** the only key accepted; default "azure-test-key" */
  apiKey?: string;
  /** deployment name → the model it serves, as reported in answers */
  deployments?: Record<string, string>;
}

export interface FakeAzure extends FakeControls<ReceivedRequest, Scripted> {
  /** the resource endpoint, like https://<resource>.openai.azure.com (AZURE_OPENAI_ENDPOINT) */
  endpoint: string;
  apiKey: string;
}

export function startFakeAzure(opts: FakeAzureOptions = {}): Promise<FakeAzure> {
  return Promise.resolve(new Fake(opts).start());
}

/** Azure's error envelope: `{"error": {"code": ..., "message": ...}}`. */
export function azureError(status: number, code: string, message: string, opts: { headers?: Record<string, string>; times?: number } = {}): ScriptedError {
  return { error: { status, body: { error: { code, message } }, headers: opts.headers }, times: opts.times };
}

/** Azure's 429 for a deployment over its tokens-per-minute quota, with retry-after and retry-after-ms. */
export function rateLimited(retryAfterSeconds = 6, opts: { apiVersion?: string; times?: number } = {}): ScriptedError {
  return azureError(
    429,
    "429",
    `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${opts.apiVersion ?? "2024-10-21"} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${retryAfterSeconds} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`,
    {
      headers: {
        "retry-after": String(retryAfterSeconds),
        "retry-after-ms": String(retryAfterSeconds * 1000),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-remaining-tokens": "0",
      },
      times: opts.times,
    },
  );
}

/** The 400 Azure answers when the prompt itself trips a content filter, with the categories in `innererror`. */
export function promptFiltered(category: "hate" | "self_harm" | "sexual" | "violence" | "jailbreak" = "violence"): ScriptedError {
  const results: Json = promptFilterResults();
  results[category] = category === "jailbreak" ? { detected: true, filtered: true } : { filtered: true, severity: "high" };
  return {
    error: {
      status: 400,
      body: {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
          type: null,
          param: "prompt",
          code: "content_filter",
          status: 400,
          innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: results },
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------

type Json = Record<string, any>;

const DEFAULT_DEPLOYMENTS: Record<string, string> = {
  "gpt-4o-prod": "gpt-4o-2024-08-06",
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "chat-nano": "gpt-4.1-nano-2025-04-14",
  "embed-small": "text-embedding-3-small",
};
/** Native sizes of the embedding models a deployment may serve. */
const EMBEDDING_DIMS: Record<string, number> = { "text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536 };

// Dated data-plane inference versions the fake serves (GA and preview); anything else is a 404.
const API_VERSIONS = new Set([
  "2023-05-15",
  "2024-02-01",
  "2024-06-01",
  "2024-10-21",
  "2024-08-01-preview",
  "2024-09-01-preview",
  "2024-10-01-preview",
  "2024-12-01-preview",
  "2025-01-01-preview",
  "2025-03-01-preview",
  "2025-04-01-preview",
]);
const STREAM_OPTIONS_SINCE = "2024-09-01";

const NOT_FOUND = { error: { code: "404", message: "Resource not found" } };
const ACCESS_DENIED = {
  error: {
    code: "401",
    message:
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
  },
};
const DEPLOYMENT_NOT_FOUND = {
  error: {
    code: "DeploymentNotFound",
    message:
      "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
  },
};
const SERVER_ERROR = { error: { code: "InternalServerError", message: "The server had an error while processing your request. Sorry about that!" } };
const BEARER = /^Bearer\s+(.+)$/i;
const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;
const V1_PATH = /^\/openai\/v1\/(chat\/completions|embeddings)$/;

const SAFE = { filtered: false, severity: "safe" };

function completionFilterResults(): Json {
  return {
    hate: SAFE,
    protected_material_code: { detected: false, filtered: false },
    protected_material_text: { detected: false, filtered: false },
    self_harm: SAFE,
    sexual: SAFE,
    violence: SAFE,
  };
}

function promptFilterResults(): Json {
  return { hate: SAFE, jailbreak: { detected: false, filtered: false }, self_harm: SAFE, sexual: SAFE, violence: SAFE };
}

interface Route {
  deployment: string;
  embeddings: boolean;
  /** the dated version, or null on the v1 API */
  apiVersion: string | null;
}

class Fake {
  readonly apiKey: string;
  private readonly log = new RequestLog();
  private readonly scripts = new ScriptQueue<Scripted>();
  private readonly deployments: Record<string, string>;
  private readonly fingerprint = `fp_${randomHex(10)}`;

  constructor(opts: FakeAzureOptions) {
    this.apiKey = opts.apiKey ?? "azure-test-key";
    this.deployments = opts.deployments ?? DEFAULT_DEPLOYMENTS;
  }

  start(): FakeAzure {
    const server = serveLocally((request) => this.handle(request));
    return {
      endpoint: server.origin,
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

    // Azure checks the route and the api-version before the key: a wrong URL is a 404 either way.
    const route = this.route(url, received.body);
    if (request.method !== "POST" || !route) return fail(404, NOT_FOUND);
    if (!this.authorized(headers, route)) return fail(401, ACCESS_DENIED);
    if (!(route.deployment in this.deployments)) return fail(404, DEPLOYMENT_NOT_FOUND);
    if (route.embeddings) return this.embeddings(received.body, route, request.signal, fail);
    const invalid = validate(received.body, route.apiVersion);
    if (invalid) return fail(400, invalid);
    const body = received.body as Json;

    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      return fail(script.error.status, script.error.body ?? SERVER_ERROR, script.error.headers);
    }
    return this.answer(body, route, script ?? {}, request.signal, received);
  }

  private async embeddings(body: unknown, route: Route, signal: AbortSignal, fail: (status: number, body: unknown) => Response): Promise<Response> {
    const model = this.deployments[route.deployment]!;
    const dims = EMBEDDING_DIMS[model];
    const bad = (message: string, param: string | null = null) => fail(400, { error: { message, type: "invalid_request_error", param, code: null } });
    if (dims === undefined)
      return bad(`The embeddings operation does not work with the specified model, ${model}. Please choose different model and try again.`);
    const b = body as Json;
    const input = b?.input;
    const inputs: (string | number[])[] | null =
      typeof input === "string" && input
        ? [input]
        : Array.isArray(input) && input.length > 0 && input.length <= 2048 && input.every((x: unknown) => typeof x === "string" && x)
          ? input
          : null;
    if (!inputs) return bad("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
    const n = typeof b.dimensions === "number" ? b.dimensions : dims;
    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, signal))) return new Response(null, { status: 499 });
      return fail(script.error.status, script.error.body ?? SERVER_ERROR);
    }
    const tokens = inputs.reduce((t, i) => t + fakeTokenCount(i), 0);
    return Response.json(
      {
        data: inputs.map((i, index) => {
          const v = fakeEmbedding(i, n);
          return { embedding: b.encoding_format === "base64" ? float32Base64(v) : v, index, object: "embedding" };
        }),
        model,
        object: "list",
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
      { headers: commonHeaders() },
    );
  }

  private route(url: URL, body: unknown): Route | null {
    const version = url.searchParams.get("api-version");
    const dated = DEPLOYMENT_PATH.exec(url.pathname);
    if (dated) {
      return version && API_VERSIONS.has(version)
        ? { deployment: decodeURIComponent(dated[1]), embeddings: dated[2] === "embeddings", apiVersion: version }
        : null;
    }
    const v1 = V1_PATH.exec(url.pathname);
    if (v1 && (version === null || version === "preview" || version === "latest")) {
      const model = (body as Json | undefined)?.model;
      return { deployment: typeof model === "string" ? model : "", embeddings: v1[1] === "embeddings", apiVersion: null };
    }
    return null;
  }

  // `api-key` everywhere; on the v1 API the key may also come as a Bearer token, as the plain
  // OpenAI client sends it. On the dated API, Bearer carries Entra ID tokens, never keys.
  private authorized(headers: Record<string, string>, route: Route): boolean {
    if (headers["api-key"] !== undefined) return headers["api-key"] === this.apiKey;
    const bearer = headers.authorization?.match(BEARER)?.[1];
    return route.apiVersion === null && bearer === this.apiKey;
  }

  private async answer(body: Json, route: Route, script: ScriptedAnswer, signal: AbortSignal, received: ReceivedRequest): Promise<Response> {
    const plan = this.plan(body, route, script);
    if (!(await passGate(script.gate, signal))) return new Response(null, { status: 499 });
    const headers = {
      ...commonHeaders(),
      "x-ms-rai-invoked": "true",
      "x-ratelimit-remaining-requests": "99",
      "x-ratelimit-remaining-tokens": "99000",
      ...script.headers,
    };
    if (body.stream !== true) return Response.json(this.completion(plan), { headers });
    const events = this.chunks(plan, script).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
    if (script.failAfter === undefined) events.push("data: [DONE]\n\n");
    const encoder = new TextEncoder();
    const stream = gatedStream(
      events.map((event) => encoder.encode(event)),
      script.gate,
      signal,
      () => this.log.markAborted(received),
    );
    return new Response(stream, { headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }

  private plan(body: Json, route: Route, script: ScriptedAnswer): Plan {
    const toolCalls = (script.toolCalls ?? []).map((call) => ({
      id: call.id ?? `call_${randomString(ALNUM, 24)}`,
      name: call.name,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    }));
    const finishReason = script.finishReason ?? (toolCalls.length ? "tool_calls" : "stop");
    let text = script.content ?? (toolCalls.length ? "" : lastUserText(body.messages));
    // A filtered completion stops where the filter caught it.
    if (finishReason === "content_filter") text = text.slice(0, Math.floor(text.length / 2));
    const completionTokens =
      script.usage?.completion_tokens ?? textPieces(text).length + toolCalls.reduce((n, c) => n + 3 + argumentPieces(c.arguments).length, 0);
    const promptTokens = script.usage?.prompt_tokens ?? 3 + body.messages.reduce((n: number, m: Json) => n + 4 + Math.ceil(messageText(m).length / 4), 0);
    return {
      id: `chatcmpl-${randomString(ALNUM, 29)}`,
      created: Math.floor(Date.now() / 1000),
      model: this.deployments[route.deployment],
      text,
      toolCalls,
      finishReason,
      includeUsage: body.stream_options?.include_usage === true,
      usage: {
        completion_tokens: completionTokens,
        completion_tokens_details: {
          accepted_prediction_tokens: 0,
          audio_tokens: 0,
          reasoning_tokens: script.usage?.reasoning_tokens ?? 0,
          rejected_prediction_tokens: 0,
        },
        prompt_tokens: promptTokens,
        prompt_tokens_details: { audio_tokens: 0, cached_tokens: script.usage?.cached_tokens ?? 0 },
        total_tokens: promptTokens + completionTokens,
      },
    };
  }

  private filterResults(plan: Plan): Json {
    const results = completionFilterResults();
    if (plan.finishReason === "content_filter") results.violence = { filtered: true, severity: "high" };
    return results;
  }

  // Keys in alphabetical order, as Azure serialises them.
  private completion(plan: Plan): Json {
    const message: Json = { annotations: [], content: plan.toolCalls.length && !plan.text ? null : plan.text, refusal: null, role: "assistant" };
    if (plan.toolCalls.length) {
      message.tool_calls = plan.toolCalls.map((c) => ({ function: { arguments: c.arguments, name: c.name }, id: c.id, type: "function" }));
    }
    return {
      choices: [{ content_filter_results: this.filterResults(plan), finish_reason: plan.finishReason, index: 0, logprobs: null, message }],
      created: plan.created,
      id: plan.id,
      model: plan.model,
      object: "chat.completion",
      prompt_filter_results: [{ content_filter_results: promptFilterResults(), prompt_index: 0 }],
      system_fingerprint: this.fingerprint,
      usage: plan.usage,
    };
  }

  private chunks(plan: Plan, script: ScriptedAnswer): Json[] {
    const usageField = plan.includeUsage ? { usage: null } : {};
    const chunk = (choices: Json[]): Json => ({
      choices,
      created: plan.created,
      id: plan.id,
      model: plan.model,
      object: "chat.completion.chunk",
      system_fingerprint: this.fingerprint,
      ...usageField,
    });
    const choice = (delta: Json, filter: Json = {}, finish: string | null = null): Json => ({
      content_filter_results: filter,
      delta,
      finish_reason: finish,
      index: 0,
      logprobs: null,
    });
    const out: Json[] = [
      { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [{ content_filter_results: promptFilterResults(), prompt_index: 0 }] },
    ];
    out.push(chunk([choice({ content: plan.toolCalls.length && !plan.text ? null : "", refusal: null, role: "assistant" })]));
    for (const piece of textPieces(plan.text)) out.push(chunk([choice({ content: piece }, this.filterResults(plan))]));
    plan.toolCalls.forEach((call, index) => {
      out.push(chunk([choice({ tool_calls: [{ function: { arguments: "", name: call.name }, id: call.id, index, type: "function" }] })]));
      for (const piece of argumentPieces(call.arguments)) out.push(chunk([choice({ tool_calls: [{ function: { arguments: piece }, index }] })]));
    });
    if (script.asyncFilter) {
      out.push({
        choices: [
          {
            content_filter_offsets: { check_offset: 0, end_offset: plan.text.length, start_offset: 0 },
            content_filter_results: this.filterResults(plan),
            finish_reason: null,
            index: 0,
          },
        ],
        created: 0,
        id: "",
        model: "",
        object: "",
        ...usageField,
      });
    }
    out.push(chunk([choice({}, {}, plan.finishReason)]));
    if (plan.includeUsage) out.push({ ...chunk([]), usage: plan.usage });
    if (script.failAfter !== undefined) return [...out.slice(0, script.failAfter), SERVER_ERROR];
    return out;
  }
}

interface Plan {
  id: string;
  created: number;
  model: string;
  text: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  includeUsage: boolean;
  usage: Json;
}

// OpenAI's validation, as Azure passes it on: messages and codes as the OpenAI API words them.
function validate(body: unknown, apiVersion: string | null): Json | null {
  const bad = (message: string, param: string | null = null, code: string | null = null) => ({
    error: { message, type: "invalid_request_error", param, code },
  });
  if (!body || typeof body !== "object" || Array.isArray(body)) return bad("We could not parse the JSON body of your request.");
  const b = body as Json;
  if (!Array.isArray(b.messages)) return bad("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  if (b.messages.length === 0)
    return bad("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
  const callIds = new Set<string>();
  for (const [i, m] of b.messages.entries()) {
    if (m?.role === "assistant") for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : []) callIds.add(c?.id);
    if (m?.role === "tool" && !callIds.has(m.tool_call_id)) {
      return bad("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`);
    }
  }
  if (b.stream_options != null) {
    if (apiVersion !== null && apiVersion.slice(0, 10) < STREAM_OPTIONS_SINCE) return bad("Unrecognized request argument supplied: stream_options");
    if (b.stream !== true) return bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options");
  }
  if (b.n != null && (!Number.isInteger(b.n) || b.n < 1 || b.n > 128))
    return bad(`Invalid 'n': expected an integer between 1 and 128, but got ${b.n} instead.`, "n");
  return null;
}

function commonHeaders(): Record<string, string> {
  const id = crypto.randomUUID();
  return { "apim-request-id": id, "x-request-id": id, "x-ms-region": "Sweden Central", "x-content-type-options": "nosniff" };
}
