// A local stand-in for the Gemini API (generativelanguage.googleapis.com) generateContent and
// streamGenerateContent, for tests.
//
// Copied from Google's documentation, from error bodies the real API is publicly reported to
// return, and from the recorded responses in test/providers/gemini/fixtures:
// - POST /v1beta/models/{model}:generateContent, :streamGenerateContent?alt=sse (events are
//   `data: {json}` lines framed with \r\n\r\n; without alt=sse one JSON array is sent);
// - the key in the x-goog-api-key header or the `key` query parameter; none is 403
//   PERMISSION_DENIED, a wrong one 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID, a Bearer
//   token 401 UNAUTHENTICATED;
// - the body parsed as a protobuf message (unknown fields such as `additionalProperties` in a
//   function schema are refused), then checked like the real API (roles user/model, non-empty
//   contents and parts, function call/response turns, Gemini 3 thought signatures);
// - errors as `{"error":{"code","message","status","details"}}`, pretty-printed like Google's;
// - POST /v1beta/models/{model}:batchEmbedContents (at most 100 requests, each naming the model of
//   the path; `outputDimensionality` within the model's range), answered `{"embeddings":[{"values"}]}`
//   with no token counts, as the real API answers.

import { controls, type FakeControls, type ScriptedCommon } from "./controls.ts";
import { fakeEmbedding } from "./embedding-vectors.ts";
import { passGate } from "./gate.ts";
import { buildAnswer, type AnswerScript } from "./gemini/answer.ts";
import { protoProblems } from "./gemini/proto.ts";
import { semanticProblem } from "./gemini/validate.ts";
import { serveLocally } from "./local-server.ts";
import { readRequest, RequestLog, type ReceivedRequest as LoggedRequest } from "./request-log.ts";
import { ScriptQueue } from "./script-queue.ts";

export type { ScriptedFunctionCall } from "./gemini/answer.ts";
export { streamGate, type StreamGate } from "./gate.ts";

export interface ReceivedRequest extends Omit<LoggedRequest, "body"> {
  /** the parsed JSON body; undefined when the body was not JSON */
  body: any;
  /** the model id from the path */
  model: string | null;
  stream: boolean;
}

/** A google.rpc.Status as the API sends it inside `{"error": ...}`. */
export interface GoogleStatus {
  code: number;
  message: string;
  status: string;
  details?: unknown[];
}

export interface ScriptedAnswer extends AnswerScript, ScriptedCommon {
  /** stream only: after this many events, send this error as an event and end the stream */
  failAfter?: { events: number; error?: GoogleStatus };
  /** stream only: end the connection after this many events, without a finishReason or error */
  cutAfter?: number;
  /** send these events (stream) or this first one (non-stream) instead of a built answer: recorded responses */
  replay?: unknown[];
  headers?: Record<string, string>;
}

export interface ScriptedError extends ScriptedCommon {
  error: GoogleStatus;
  /** HTTP status; default error.code */
  httpStatus?: number;
  headers?: Record<string, string>;
}

export type Scripted = ScriptedAnswer | ScriptedError;

export interface FakeGeminiOptions {
  /** the only key accepted; default a key shaped like Google's (AIza…) */
  apiKey?: string;
  /** model ids that exist; default: current Gemini and Gemma ids */
  models?: string[];
}

export interface FakeGemini extends FakeControls<ReceivedRequest, Scripted> {
  /** the API root, e.g. http://127.0.0.1:PORT (what GEMINI_BASE_URL and the SDK's baseUrl take) */
  url: string;
  apiKey: string;
}

export function startFakeGemini(opts: FakeGeminiOptions = {}): Promise<FakeGemini> {
  return Promise.resolve(new Fake(opts).start());
}

/** An error with Google's body for this status name. */
export function googleError(
  code: number,
  status: string,
  message: string,
  opts: { details?: unknown[]; headers?: Record<string, string>; times?: number } = {},
): ScriptedError {
  return { error: { code, message, status, ...(opts.details ? { details: opts.details } : {}) }, headers: opts.headers, times: opts.times };
}

/** The free tier's per-minute quota answer (fixture google-429-retry-info.json), with its RetryInfo delay. */
export function rateLimited(retryDelay = "34.4s", opts: { times?: number; headers?: Record<string, string> } = {}): ScriptedError {
  return googleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan.", {
    details: [
      { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" }] },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay },
    ],
    ...opts,
  });
}

export const OVERLOADED: GoogleStatus = { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" };
export const INTERNAL: GoogleStatus = {
  code: 500,
  message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  status: "INTERNAL",
};

// ---------------------------------------------------------------------------------------------

const DEFAULT_KEY = "AIzaSyFakeOpentracyTestKey0000000000000";
const DEFAULT_MODELS = [
  "gemini-2.0-flash",
  "gemini-2.0-flash-lite",
  "gemini-2.5-flash",
  "gemini-2.5-flash-lite",
  "gemini-2.5-pro",
  "gemini-3-pro-preview",
  "gemini-3-flash-preview",
  "gemini-3.1-pro-preview",
  "gemini-flash-latest",
  "gemma-3-27b-it",
];
const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/;
/** Embedding models: their default size and the range `outputDimensionality` may take. */
export const GEMINI_EMBEDDING_MODELS: Record<string, { dims: number; min: number }> = {
  "gemini-embedding-001": { dims: 3072, min: 128 },
  "text-embedding-004": { dims: 768, min: 1 },
};
export const GEMINI_MAX_EMBED_BATCH = 100;
const EMBED_FIELDS = new Set(["model", "content", "taskType", "title", "outputDimensionality"]);
const TASK_TYPES = new Set([
  "TASK_TYPE_UNSPECIFIED",
  "RETRIEVAL_QUERY",
  "RETRIEVAL_DOCUMENT",
  "SEMANTIC_SIMILARITY",
  "CLASSIFICATION",
  "CLUSTERING",
  "QUESTION_ANSWERING",
  "FACT_VERIFICATION",
  "CODE_RETRIEVAL_QUERY",
]);
const enc = new TextEncoder();
const sseFrame = (json: unknown) => enc.encode(`data: ${JSON.stringify(json)}\r\n\r\n`);
const pretty = (json: unknown) => `${JSON.stringify(json, null, 2)}\n`;

class Fake {
  readonly apiKey: string;
  private readonly log = new RequestLog<ReceivedRequest>();
  private readonly scripts = new ScriptQueue<Scripted>();
  private readonly models: Set<string>;

  constructor(opts: FakeGeminiOptions) {
    this.apiKey = opts.apiKey ?? DEFAULT_KEY;
    this.models = new Set(opts.models ?? DEFAULT_MODELS);
  }

  start(): FakeGemini {
    const server = serveLocally((r) => this.handle(r));
    return {
      url: server.origin,
      apiKey: this.apiKey,
      ...controls(server, this.log, this.scripts),
    };
  }

  private async handle(request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    const read = await readRequest(request, url);
    const route = ROUTE.exec(url.pathname);
    const received = this.log.record(
      { ...read, model: route ? decodeURIComponent(route[2]) : null, stream: route?.[3] === "streamGenerateContent" },
      request.signal,
    );
    const { headers, bodyText, body } = read;
    const common = {
      server: "scaffolding on HTTPServer2",
      "x-content-type-options": "nosniff",
      vary: "Origin, X-Origin, Referer",
      "server-timing": `gfet4t7; dur=${Math.round(performance.now() - started)}`,
    };
    const fail = (status: GoogleStatus, httpStatus = status.code, extra: Record<string, string> = {}) =>
      new Response(pretty({ error: status }), { status: httpStatus, headers: { ...common, "content-type": "application/json; charset=UTF-8", ...extra } });

    if (!route || request.method !== "POST") {
      // Google's front end answers unknown URLs with its HTML page.
      return new Response(
        `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${url.pathname}</code> was not found on this server.  <ins>That’s all we know.</ins>\n`,
        { status: 404, headers: { ...common, "content-type": "text/html; charset=UTF-8" } },
      );
    }
    const authProblem = this.checkAuth(headers, url);
    if (authProblem) return fail(authProblem);
    const [, version, model, method] = route;
    const embedding = method === "batchEmbedContents";
    if (embedding ? !GEMINI_EMBEDDING_MODELS[model] : !this.models.has(received.model!)) {
      return fail({
        code: 404,
        message: `models/${received.model} is not found for API version ${version}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
        status: "NOT_FOUND",
      });
    }
    if (body === undefined) {
      return fail({ code: 400, message: `Invalid JSON payload received. Unexpected token.\n${bodyText.slice(0, 40)}\n^`, status: "INVALID_ARGUMENT" });
    }
    if (embedding) return this.embed(body, model, request.signal, fail, common);
    const parsed = protoProblems(body);
    if (parsed.messages.length) {
      return fail({
        code: 400,
        message: parsed.messages.join("\n"),
        status: "INVALID_ARGUMENT",
        details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: parsed.violations }],
      });
    }
    const problem = semanticProblem(body as Record<string, unknown>, model);
    if (problem) return fail({ code: 400, message: problem, status: "INVALID_ARGUMENT" });

    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      return fail(script.error, script.httpStatus ?? script.error.code, script.headers);
    }
    const answer = script ?? {};
    const built = answer.replay ? { body: answer.replay[0], events: answer.replay } : buildAnswer(answer, body as Record<string, unknown>, model);
    const extraHeaders = answer.headers ?? {};

    if (!received.stream) {
      if (!(await passGate(answer.gate, request.signal))) return new Response(null, { status: 499 });
      return new Response(pretty(built.body), { headers: { ...common, "content-type": "application/json; charset=UTF-8", ...extraHeaders } });
    }
    if (url.searchParams.get("alt") !== "sse") {
      // Without alt=sse the events come as the elements of one JSON array.
      if (!(await passGate(answer.gate, request.signal))) return new Response(null, { status: 499 });
      return new Response(`[${built.events.map((e) => JSON.stringify(e)).join("\n,\r\n")}]`, {
        headers: { ...common, "content-type": "application/json; charset=UTF-8", ...extraHeaders },
      });
    }
    return this.sse(built.events, answer, request.signal, received, { ...common, "content-type": "text/event-stream", ...extraHeaders });
  }

  private async embed(
    body: any,
    model: string,
    signal: AbortSignal,
    fail: (status: GoogleStatus, httpStatus?: number, extra?: Record<string, string>) => Response,
    common: Record<string, string>,
  ): Promise<Response> {
    const invalid = (message: string): Response => fail({ code: 400, message, status: "INVALID_ARGUMENT" });
    if (!body || typeof body !== "object" || Array.isArray(body)) return invalid("Invalid JSON payload received. Expected an object.");
    for (const k of Object.keys(body)) if (k !== "requests") return invalid(`Invalid JSON payload received. Unknown name "${k}": Cannot find field.`);
    const requests = body.requests;
    if (!Array.isArray(requests) || requests.length === 0) return invalid("* BatchEmbedContentsRequest.requests: requests must not be empty\n");
    if (requests.length > GEMINI_MAX_EMBED_BATCH) {
      return invalid(`* BatchEmbedContentsRequest.requests: at most ${GEMINI_MAX_EMBED_BATCH} requests can be in one batch\n`);
    }
    const spec = GEMINI_EMBEDDING_MODELS[model]!;
    const values: number[][] = [];
    for (const [i, r] of requests.entries()) {
      const at = `requests[${i}]`;
      for (const k of Object.keys(r ?? {}))
        if (!EMBED_FIELDS.has(k)) return invalid(`Invalid JSON payload received. Unknown name "${k}" at '${at}': Cannot find field.`);
      if (r.model !== `models/${model}`) {
        return invalid(`* BatchEmbedContentsRequest.${at}.model: model must be the same as the model in the URL (models/${model}), got ${String(r.model)}\n`);
      }
      const parts = r.content?.parts;
      if (!Array.isArray(parts) || parts.length === 0) return invalid(`* BatchEmbedContentsRequest.${at}.content.parts: contents.parts must not be empty.\n`);
      const text = parts.map((p: any) => (typeof p?.text === "string" ? p.text : "")).join("");
      if (!text) return invalid(`* BatchEmbedContentsRequest.${at}.content.parts[0].data: required oneof field 'data' must have one initialized field\n`);
      if (r.taskType !== undefined && !TASK_TYPES.has(r.taskType)) {
        return invalid(`Invalid value at '${at}.task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), "${String(r.taskType)}"`);
      }
      let dims = spec.dims;
      if (r.outputDimensionality !== undefined) {
        const d = r.outputDimensionality;
        if (!Number.isInteger(d) || d < spec.min || d > spec.dims) {
          return invalid(`* BatchEmbedContentsRequest.${at}.output_dimensionality: must be between ${spec.min} and ${spec.dims}, got ${String(d)}\n`);
        }
        dims = d;
      }
      values.push(fakeEmbedding(text, dims));
    }
    const script = this.scripts.next();
    if (script && "error" in script) {
      if (!(await passGate(script.gate, signal))) return new Response(null, { status: 499 });
      return fail(script.error, script.httpStatus ?? script.error.code, script.headers);
    }
    if (script && !(await passGate(script.gate, signal))) return new Response(null, { status: 499 });
    return new Response(pretty({ embeddings: values.map((v) => ({ values: v })) }), {
      headers: { ...common, "content-type": "application/json; charset=UTF-8", ...(script?.headers ?? {}) },
    });
  }

  private sse(events: unknown[], script: ScriptedAnswer, signal: AbortSignal, received: ReceivedRequest, headers: Record<string, string>): Response {
    const failAt = script.failAfter?.events;
    const cutAt = script.cutAfter;
    let i = 0;
    let finished = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (finished) return;
        if (!(await passGate(script.gate, signal))) {
          finished = true;
          controller.error(new Error("client went away"));
          return;
        }
        if (failAt !== undefined && i === failAt) {
          controller.enqueue(sseFrame({ error: script.failAfter!.error ?? INTERNAL }));
          finished = true;
          controller.close();
          return;
        }
        if (cutAt !== undefined && i === cutAt) {
          finished = true;
          controller.close();
          return;
        }
        if (i >= events.length) {
          finished = true;
          controller.close();
          return;
        }
        controller.enqueue(sseFrame(events[i++]));
      },
      cancel: () => {
        finished = true;
        this.log.markAborted(received);
      },
    });
    return new Response(stream, { headers });
  }

  private checkAuth(headers: Record<string, string>, url: URL): GoogleStatus | null {
    const key = headers["x-goog-api-key"] ?? url.searchParams.get("key") ?? undefined;
    if (!key) {
      if (/^Bearer\s/i.test(headers.authorization ?? "")) {
        return {
          code: 401,
          message:
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
          status: "UNAUTHENTICATED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED",
              metadata: { service: "generativelanguage.googleapis.com", method: "google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent" },
            },
          ],
        };
      }
      return {
        code: 403,
        message:
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        status: "PERMISSION_DENIED",
      };
    }
    if (key !== this.apiKey) {
      return {
        code: 400,
        message: "API key not valid. Please pass a valid API key.",
        status: "INVALID_ARGUMENT",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "API_KEY_INVALID",
            domain: "googleapis.com",
            metadata: { service: "generativelanguage.googleapis.com" },
          },
          { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
        ],
      };
    }
    return null;
  }
}
