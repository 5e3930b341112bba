// A local stand-in for AWS Bedrock Runtime's Converse and ConverseStream operations, for tests.
//
// Wire details follow the Bedrock API reference (Converse, ConverseStream, TokenUsage, errors),
// the messages the real service is publicly reported to send, and the recorded responses in
// test/providers/bedrock/fixtures/. Every request must carry a valid SigV4 signature: the fake
// recomputes it with @smithy/signature-v4 and @aws-crypto/sha256-js — the AWS SDK's own signer,
// an implementation independent of the engine's aws4fetch — from the credentials it knows.
// Streams are real AWS event-stream binary frames built with @smithy/core/event-streams.
// InvokeModel (POST /model/{id}/invoke) serves the embedding models: Titan Text Embeddings
// (`inputText`, one text) and Cohere Embed (`texts`, at most 96), each checked against its
// model's request schema the way Bedrock words it ("Malformed input request: #/…").

import { Sha256 } from "@aws-crypto/sha256-js";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { SignatureV4 } from "@smithy/signature-v4";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { controls, type FakeControls, type ScriptedCommon } from "./controls.ts";
import { fakeEmbedding, fakeTokenCount } from "./embedding-vectors.ts";
import { gatedStream, passGate } from "./gate.ts";
import { serveLocally } from "./local-server.ts";
import { argumentPieces, textPieces } from "./pieces.ts";
import { ALNUM, randomString } from "./random.ts";
import { readRequest, RequestLog, type ReceivedRequest as LoggedRequest } from "./request-log.ts";
import { ScriptQueue } from "./script-queue.ts";

export { streamGate, type StreamGate } from "./gate.ts";

export interface FakeBedrockCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** set for temporary credentials: requests must then carry it in x-amz-security-token */
  sessionToken?: string;
}

export interface ReceivedRequest extends LoggedRequest {
  /** pathname as sent (percent-encoded), e.g. /model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse */
  path: string;
  /** the model id, decoded from the path; null when the path matched no operation */
  modelId: string | null;
  operation: "converse" | "converse-stream" | "invoke" | null;
  /** the access key id that signed it, when the signature checked out */
  signedBy: string | null;
}

export interface ScriptedToolCall {
  name: string;
  /** the tool input; a string is streamed as is (for malformed-JSON tests) */
  input: Record<string, unknown> | string;
  /** default: a fresh tooluse_… id */
  id?: string;
}

export type ScriptedReasoning = { text: string; signature?: string } | { redacted: string };

export interface ScriptedAnswer extends ScriptedCommon {
  /** default: the text of the last user turn (or, after tool results, "Done: " + their text); none when toolCalls are given */
  content?: string;
  /** default: one signed block when the request enabled thinking, else none */
  reasoning?: ScriptedReasoning[];
  toolCalls?: ScriptedToolCall[];
  /** default tool_use with toolCalls, else end_turn */
  stopReason?: string;
  usage?: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number };
  /** the order of the hand-edited fixtures: metadata before messageStop (real ConverseStream sends messageStop first) */
  metadataBeforeStop?: boolean;
  /** after this many frames, send an exception frame and end the stream */
  streamError?: { afterFrames: number; exceptionType: string; message: string; originalStatusCode?: number; originalMessage?: string };
  /** after this many frames, end the stream as a dropped connection would */
  cutAfterFrames?: number;
  /** deliver each frame in pieces split at odd offsets, and pairs of frames glued together */
  splitFrames?: boolean;
  headers?: Record<string, string>;
}

export interface ScriptedError extends ScriptedCommon {
  error: { status: number; type: string; message: string; headers?: Record<string, string> };
}

export type Scripted = ScriptedAnswer | ScriptedError;

export interface FakeBedrockOptions {
  /** credentials the fake accepts; default: one long-term key and one temporary key with a session token */
  credentials?: FakeBedrockCredential[];
  /** the region requests must be scoped to; default us-east-1 */
  region?: string;
  /** model ids that exist; default: any well-formed foundation-model id, inference-profile id or Bedrock ARN */
  models?: string[];
}

export interface FakeBedrock extends FakeControls<ReceivedRequest, Scripted> {
  /** the endpoint root, as AWS_ENDPOINT_URL_BEDROCK_RUNTIME takes it */
  url: string;
  region: string;
  /** the long-term test credentials */
  credentials: FakeBedrockCredential;
  /** the temporary test credentials (with a session token) */
  temporaryCredentials: FakeBedrockCredential;
}

export const TEST_CREDENTIALS: FakeBedrockCredential = {
  accessKeyId: "AKIAFAKEBEDROCK00001",
  secretAccessKey: "fake/secret/Key+for/bedrock/tests/only0000",
};
export const TEST_TEMPORARY_CREDENTIALS: FakeBedrockCredential = {
  accessKeyId: "ASIAFAKEBEDROCK00002",
  secretAccessKey: "fake/temporary/Secret+key/for/tests/000000",
  sessionToken: "IQoJb3JpZ2luX2VjEFAKE//////////wEaCXVzLWVhc3QtMSJHMEUCIFakeSessionTokenForTests==",
};

export function startFakeBedrock(opts: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  return Promise.resolve(new Fake(opts).start());
}

/** An error answer the way Bedrock sends it: `{"message": ...}` and the exception in x-amzn-errortype. */
export function bedrockError(status: number, type: string, message: string, opts: { headers?: Record<string, string>; times?: number } = {}): ScriptedError {
  return { error: { status, type, message, headers: opts.headers }, times: opts.times };
}

/** Bedrock's 429. It sends no Retry-After of its own; `retryAfter` adds one to test that it is kept. */
export function throttled(opts: { retryAfter?: string; times?: number } = {}): ScriptedError {
  return bedrockError(429, "ThrottlingException", "Too many requests, please wait before trying again.", {
    headers: opts.retryAfter ? { "retry-after": opts.retryAfter } : undefined,
    times: opts.times,
  });
}

// ---------------------------------------------------------------------------------------------

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const SERVICE = "bedrock";
const BEDROCK_ERROR_NS = "http://internal.amazon.com/coral/com.amazon.bedrock/";
const CORAL_ERROR_NS = "http://internal.amazon.com/coral/com.amazon.coral.service/";
const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";
const MAX_SKEW_MS = 15 * 60 * 1000;

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;
/** Embedding models InvokeModel serves here: default size, the sizes it may be asked for, its family. */
export const BEDROCK_EMBEDDING_MODELS: Record<string, { family: "titan" | "cohere"; dims: number; sizes: number[] }> = {
  "amazon.titan-embed-text-v2:0": { family: "titan", dims: 1024, sizes: [256, 512, 1024] },
  "amazon.titan-embed-text-v1": { family: "titan", dims: 1536, sizes: [] },
  "cohere.embed-english-v3": { family: "cohere", dims: 1024, sizes: [] },
  "cohere.embed-multilingual-v3": { family: "cohere", dims: 1024, sizes: [] },
  "cohere.embed-v4:0": { family: "cohere", dims: 1536, sizes: [256, 512, 1024, 1536] },
};
const AUTH_HEADER =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MODEL_ID = /^(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?[a-z0-9-]+\.[a-z0-9][a-z0-9.:-]*$/;
const MODEL_ARN =
  /^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]+:(?:\d{12})?:(?:foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model-deployment)\/.+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const BLANK = /^\s*$/;
const ANTHROPIC = /(^|[.:/])anthropic\./;

const TOP_LEVEL = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "promptVariables",
  "additionalModelResponseFieldPaths",
  "requestMetadata",
  "performanceConfig",
  "serviceTier",
  "outputConfig",
]);
const INFERENCE_KEYS = new Set(["maxTokens", "temperature", "topP", "stopSequences"]);
const USER_BLOCKS = new Set(["text", "image", "document", "video", "toolResult", "cachePoint", "guardContent"]);
const ASSISTANT_BLOCKS = new Set(["text", "toolUse", "reasoningContent", "cachePoint", "image", "document"]);
const IMAGE_FORMATS = new Set(["png", "jpeg", "gif", "webp"]);
const PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

type Json = Record<string, any>;

class Rejection {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly message: string,
    readonly namespace = BEDROCK_ERROR_NS,
  ) {}
}

const invalid = (message: string) => new Rejection(400, "ValidationException", message);

class Fake {
  private readonly log = new RequestLog<ReceivedRequest>();
  private readonly scripts = new ScriptQueue<Scripted>();
  private readonly credentials: Map<string, FakeBedrockCredential>;
  private readonly region: string;
  private readonly models: Set<string> | null;
  /** thinking signatures handed out; Anthropic refuses a thinking block whose signature it did not issue */
  private readonly signatures = new Set<string>();

  constructor(opts: FakeBedrockOptions) {
    const creds = opts.credentials ?? [TEST_CREDENTIALS, TEST_TEMPORARY_CREDENTIALS];
    this.credentials = new Map(creds.map((c) => [c.accessKeyId, c]));
    this.region = opts.region ?? "us-east-1";
    this.models = opts.models ? new Set(opts.models) : null;
  }

  start(): FakeBedrock {
    const server = serveLocally((req) => this.handle(req));
    return {
      url: server.origin,
      region: this.region,
      credentials: TEST_CREDENTIALS,
      temporaryCredentials: TEST_TEMPORARY_CREDENTIALS,
      ...controls(server, this.log, this.scripts),
    };
  }

  private async handle(request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    const read = await readRequest(request, url);
    const { headers, bodyText } = read;
    const route = ROUTE.exec(url.pathname);
    // Without request.signal: this fake marks a request aborted only when its event stream is
    // cancelled, not when a client leaves a held Converse answer.
    const received = this.log.record({
      ...read,
      path: url.pathname,
      modelId: route ? safeDecode(route[1]) : null,
      operation: route ? (route[2] as ReceivedRequest["operation"]) : null,
      signedBy: null,
    });

    if (request.method !== "POST" || !route) {
      return this.errorResponse(new Rejection(404, "UnknownOperationException", "Unknown operation", CORAL_ERROR_NS));
    }
    // AWS authenticates before it looks at the body.
    const authFailure = await this.authenticate(request.method, url, headers, bodyText);
    if (authFailure) return this.errorResponse(authFailure);
    received.signedBy = AUTH_HEADER.exec(headers.authorization ?? "")?.[1] ?? null;
    if (received.operation === "invoke") return this.invoke(received.modelId!, received.body, request.signal);

    const invalidBody = this.validate(received.modelId!, received.body, bodyText);
    if (invalidBody) return this.errorResponse(invalidBody);

    const script: Scripted = this.scripts.next() ?? {};
    if ("error" in script) {
      if (!(await passGate(script.gate, request.signal))) return new Response(null, { status: 499 });
      const e = script.error;
      return this.errorResponse(new Rejection(e.status, e.type, e.message), e.headers);
    }
    return this.answer(received, script, request.signal, started);
  }

  // --- SigV4 --------------------------------------------------------------------------------

  private async authenticate(method: string, url: URL, headers: Record<string, string>, body: string): Promise<Rejection | null> {
    const authorization = headers.authorization;
    if (!authorization) return new Rejection(403, "MissingAuthenticationTokenException", "Missing Authentication Token", CORAL_ERROR_NS);
    const m = AUTH_HEADER.exec(authorization);
    if (!m) {
      return new Rejection(
        403,
        "IncompleteSignatureException",
        `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${authorization.split(" ")[0]}`,
        CORAL_ERROR_NS,
      );
    }
    const [, accessKeyId, scopeDate, region, service, signedList, signature] = m;
    const cred = this.credentials.get(accessKeyId);
    if (!cred) return new Rejection(403, "UnrecognizedClientException", INVALID_TOKEN, CORAL_ERROR_NS);
    const token = headers["x-amz-security-token"];
    if ((cred.sessionToken ?? null) !== (token ?? null)) return new Rejection(403, "UnrecognizedClientException", INVALID_TOKEN, CORAL_ERROR_NS);
    if (service !== SERVICE)
      return new Rejection(403, "InvalidSignatureException", `Credential should be scoped to correct service: '${SERVICE}'. `, CORAL_ERROR_NS);
    if (region !== this.region) return new Rejection(403, "InvalidSignatureException", `Credential should be scoped to a valid region. `, CORAL_ERROR_NS);
    const signed = signedList.split(";");
    if (!signed.includes("host")) {
      return new Rejection(403, "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", CORAL_ERROR_NS);
    }
    const amzDate = headers["x-amz-date"];
    const when = amzDate ? AMZ_DATE.exec(amzDate) : null;
    if (!amzDate || !when || !signed.includes("x-amz-date")) {
      return new Rejection(
        403,
        "IncompleteSignatureException",
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        CORAL_ERROR_NS,
      );
    }
    const signingDate = new Date(Date.UTC(+when[1], +when[2] - 1, +when[3], +when[4], +when[5], +when[6]));
    if (Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS) {
      return new Rejection(
        403,
        "InvalidSignatureException",
        `Signature expired: ${amzDate} is now earlier than ${amzDate.slice(0, 8)} (15 min.)`,
        CORAL_ERROR_NS,
      );
    }
    if (scopeDate !== amzDate.slice(0, 8)) return new Rejection(403, "InvalidSignatureException", SIGNATURE_MISMATCH, CORAL_ERROR_NS);
    // The service hashes the body it received; a client's own x-amz-content-sha256 must agree.
    const bodyHash = await sha256Hex(body);
    if (headers["x-amz-content-sha256"] !== undefined && headers["x-amz-content-sha256"] !== bodyHash) {
      return new Rejection(403, "InvalidSignatureException", SIGNATURE_MISMATCH, CORAL_ERROR_NS);
    }

    const toSign: Record<string, string> = {};
    for (const name of signed) {
      if (headers[name] === undefined) return new Rejection(403, "InvalidSignatureException", SIGNATURE_MISMATCH, CORAL_ERROR_NS);
      toSign[name] = headers[name];
    }
    const signer = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey: cred.secretAccessKey, sessionToken: signed.includes("x-amz-security-token") ? token : undefined },
      region,
      service: SERVICE,
      sha256: Sha256,
      applyChecksum: false,
      uriEscapePath: true,
    });
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const recomputed = await signer.sign(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        headers: toSign,
        body,
      } as any,
      { signingDate, signableHeaders: new Set(signed) },
    );
    const expected = AUTH_HEADER.exec(String((recomputed.headers as Record<string, string>).authorization ?? ""));
    if (!expected || expected[6] !== signature || expected[5] !== signedList) {
      return new Rejection(403, "InvalidSignatureException", SIGNATURE_MISMATCH, CORAL_ERROR_NS);
    }
    return null;
  }

  // --- validation, as the real API rejects ----------------------------------------------------

  private validate(modelId: string, body: unknown, text: string): Rejection | null {
    if (this.models ? !this.models.has(modelId) : !(MODEL_ID.test(modelId) || MODEL_ARN.test(modelId))) {
      return invalid("The provided model identifier is invalid.");
    }
    if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
      return new Rejection(
        400,
        "SerializationException",
        text.trim() ? "Malformed input request, please reformat your input and try again." : "Request body is empty.",
      );
    }
    const b = body as Json;
    for (const key of Object.keys(b)) {
      if (!TOP_LEVEL.has(key)) return invalid(`Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
    }
    if (b.system !== undefined) {
      if (!Array.isArray(b.system)) return invalid("Malformed input request: system must be a list of SystemContentBlock objects.");
      for (const [k, block] of b.system.entries()) {
        if (typeof block?.text === "string" && BLANK.test(block.text)) {
          return invalid(`The text field in the SystemContentBlock object at system.${k} is blank. Add text to the text field, and try again.`);
        }
      }
    }
    if (!Array.isArray(b.messages) || b.messages.length === 0) {
      return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
    }
    const inference = b.inferenceConfig;
    if (inference !== undefined) {
      for (const key of Object.keys(inference))
        if (!INFERENCE_KEYS.has(key))
          return invalid(`Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
      if (inference.maxTokens !== undefined && !(Number.isInteger(inference.maxTokens) && inference.maxTokens >= 1)) {
        return invalid(
          `1 validation error detected: Value '${inference.maxTokens}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1`,
        );
      }
      for (const key of ["temperature", "topP"]) {
        const v = inference[key];
        if (v !== undefined && !(typeof v === "number" && v >= 0 && v <= 1)) {
          return invalid(
            `1 validation error detected: Value '${v}' at 'inferenceConfig.${key}' failed to satisfy constraint: Member must have value less than or equal to 1`,
          );
        }
      }
      if (
        inference.stopSequences !== undefined &&
        !(Array.isArray(inference.stopSequences) && inference.stopSequences.every((s: unknown) => typeof s === "string" && s))
      ) {
        return invalid("Malformed input request: stopSequences must be a list of non-empty strings.");
      }
    }
    const toolNames = new Set<string>();
    if (b.toolConfig !== undefined) {
      const tc = b.toolConfig;
      if (!Array.isArray(tc?.tools) || tc.tools.length === 0) {
        return invalid(
          "1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
      }
      for (const [k, tool] of tc.tools.entries()) {
        const spec = tool?.toolSpec;
        if (!spec) {
          if (tool?.cachePoint || tool?.systemTool) continue;
          return invalid(`Malformed input request: toolConfig.tools.${k} must contain a toolSpec.`);
        }
        if (typeof spec.name !== "string" || !TOOL_NAME.test(spec.name)) {
          return invalid(
            `1 validation error detected: Value '${spec.name}' at 'toolConfig.tools.${k}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`,
          );
        }
        if (!spec.inputSchema || typeof spec.inputSchema.json !== "object" || spec.inputSchema.json === null) {
          return invalid(`Malformed input request: toolConfig.tools.${k}.toolSpec.inputSchema.json must be a JSON object.`);
        }
        if (spec.inputSchema.json.type !== "object") {
          return invalid(`The model returned the following errors: tools.${k}.custom.input_schema.type: Input should be 'object'`);
        }
        toolNames.add(spec.name);
      }
      const choice = tc.toolChoice;
      if (choice !== undefined) {
        const keys = Object.keys(choice ?? {});
        if (keys.length !== 1 || !["auto", "any", "tool"].includes(keys[0]))
          return invalid("Malformed input request: toolChoice must have exactly one of auto, any or tool.");
        if (keys[0] === "tool" && !toolNames.has(choice.tool?.name)) {
          return invalid(`The model returned the following errors: Tool '${choice.tool?.name}' not found in provided tools`);
        }
      }
    }

    const thinking = b.additionalModelRequestFields?.thinking;
    const thinkingOn = thinking?.type === "enabled";
    if (thinking !== undefined) {
      if (!ANTHROPIC.test(modelId))
        return invalid("The model returned the following errors: Malformed input request: extraneous key [thinking] is not permitted");
      if (thinkingOn) {
        if (!(Number.isInteger(thinking.budget_tokens) && thinking.budget_tokens >= 1024)) {
          return invalid("The model returned the following errors: thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
        }
        if (inference?.maxTokens !== undefined && inference.maxTokens <= thinking.budget_tokens) {
          return invalid(
            "The model returned the following errors: `max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size",
          );
        }
        if (inference?.temperature !== undefined && inference.temperature !== 1) {
          return invalid(
            "The model returned the following errors: `temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility",
          );
        }
      }
    }

    return this.validateMessages(b.messages, b.toolConfig !== undefined, thinkingOn);
  }

  private validateMessages(messages: Json[], hasToolConfig: boolean, thinkingOn: boolean): Rejection | null {
    let usesTools = false;
    for (const [i, m] of messages.entries()) {
      if (m?.role !== "user" && m?.role !== "assistant") {
        return invalid(
          `1 validation error detected: Value '${m?.role}' at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`,
        );
      }
      if (i === 0 && m.role !== "user") {
        return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
      }
      if (i > 0 && messages[i - 1].role === m.role) {
        return invalid(
          "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
        );
      }
      if (!Array.isArray(m.content) || m.content.length === 0) {
        return invalid(`The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`);
      }
      const allowed = m.role === "user" ? USER_BLOCKS : ASSISTANT_BLOCKS;
      for (const [j, block] of m.content.entries()) {
        const keys = Object.keys(block ?? {});
        if (keys.length !== 1) return invalid(`Malformed input request: messages.${i}.content.${j} must have exactly one member.`);
        const kind = keys[0];
        if (!allowed.has(kind)) {
          return invalid(
            `Malformed input request: messages.${i}.content.${j}: ${kind} blocks are not permitted in ${m.role} messages, please reformat your input and try again.`,
          );
        }
        if (kind === "text" && (typeof block.text !== "string" || BLANK.test(block.text))) {
          return invalid(`The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`);
        }
        if (kind === "image") {
          const img = block.image;
          if (!IMAGE_FORMATS.has(img?.format))
            return invalid(
              `1 validation error detected: Value '${img?.format}' at 'messages.${i + 1}.member.content.${j + 1}.member.image.format' failed to satisfy constraint: Member must satisfy enum value set: [gif, jpeg, png, webp]`,
            );
          if (typeof img?.source?.bytes !== "string" || !BASE64.test(img.source.bytes))
            return invalid("Malformed input request: image source bytes must be base64, please reformat your input and try again.");
        }
        if (kind === "toolUse" || kind === "toolResult") usesTools = true;
        if (kind === "reasoningContent") {
          const rc = block.reasoningContent;
          const signature = rc?.reasoningText?.signature;
          if (signature !== undefined && !this.signatures.has(signature)) {
            return invalid(`The model returned the following errors: messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
          }
          if (!rc?.reasoningText && typeof rc?.redactedContent !== "string")
            return invalid(`Malformed input request: messages.${i}.content.${j}.reasoningContent must have reasoningText or redactedContent.`);
        }
      }
      if (m.role === "user") {
        const results = m.content.filter((b: Json) => b.toolResult).map((b: Json) => String(b.toolResult.toolUseId));
        const previous = i > 0 ? messages[i - 1].content.filter((b: Json) => b.toolUse).map((b: Json) => String(b.toolUse.toolUseId)) : [];
        if (results.length > previous.length) {
          return invalid(`The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`);
        }
        const unknown = results.filter((id: string) => !previous.includes(id));
        if (unknown.length) {
          return invalid(
            `The model returned the following errors: messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unknown[0]}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      } else {
        const uses = m.content.filter((b: Json) => b.toolUse).map((b: Json) => String(b.toolUse.toolUseId));
        const nextTurn = messages[i + 1];
        if (uses.length && nextTurn) {
          const answered = new Set(nextTurn.content?.filter?.((b: Json) => b.toolResult).map((b: Json) => String(b.toolResult.toolUseId)) ?? []);
          const missing = uses.filter((id: string) => !answered.has(id));
          if (missing.length) return invalid(`Expected toolResult blocks at messages.${i + 1}.content for the following Ids: ${missing.join(", ")}`);
        }
        // With thinking on, the assistant turn being continued after tool use must open with its thinking.
        const isContinued = i === messages.length - 2 && uses.length > 0;
        if (thinkingOn && isContinued && !m.content[0].reasoningContent) {
          return invalid(
            `The model returned the following errors: messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${Object.keys(m.content[0])[0] === "toolUse" ? "tool_use" : "text"}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
          );
        }
      }
    }
    if (usesTools && !hasToolConfig) return invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
    return null;
  }

  // --- answers -----------------------------------------------------------------------------

  private async invoke(modelId: string, body: any, signal: AbortSignal): Promise<Response> {
    const spec = BEDROCK_EMBEDDING_MODELS[modelId];
    if (!spec) return this.errorResponse(invalid("The provided model identifier is invalid."));
    const malformed = (what: string) => this.errorResponse(invalid(`Malformed input request: ${what}, please reformat your input and try again.`));
    if (!body || typeof body !== "object" || Array.isArray(body)) return malformed("#: expected type: JSONObject");
    const known =
      spec.family === "titan"
        ? ["inputText", "dimensions", "normalize", "embeddingTypes"]
        : ["texts", "images", "input_type", "truncate", "embedding_types", "output_dimension"];
    for (const k of Object.keys(body)) if (!known.includes(k)) return malformed(`#: extraneous key [${k}] is not permitted`);
    const dimsKey = spec.family === "titan" ? "dimensions" : "output_dimension";
    const asked = body[dimsKey];
    if (asked !== undefined && !spec.sizes.includes(asked)) {
      return spec.sizes.length ? malformed(`#/${dimsKey}: ${asked} is not a valid enum value`) : malformed(`#: extraneous key [${dimsKey}] is not permitted`);
    }
    const dims = asked ?? spec.dims;
    let answer: unknown;
    if (spec.family === "titan") {
      if (typeof body.inputText !== "string") return malformed("#: required key [inputText] not found");
      if (!body.inputText) return malformed("#/inputText: expected minLength: 1, actual: 0");
      const v = fakeEmbedding(body.inputText, dims);
      answer = { embedding: v, embeddingsByType: { float: v }, inputTextTokenCount: fakeTokenCount(body.inputText) };
    } else {
      if (!Array.isArray(body.texts)) return malformed("#: required key [texts] not found");
      if (body.texts.length > 96) return malformed(`#/texts: expected maximum item count: 96, found: ${body.texts.length}`);
      if (typeof body.input_type !== "string") return malformed("#: required key [input_type] not found");
      const vectors = body.texts.map((t: string) => fakeEmbedding(t, dims));
      answer = Array.isArray(body.embedding_types)
        ? { embeddings: { float: vectors }, id: crypto.randomUUID(), response_type: "embeddings_by_type", texts: body.texts }
        : { embeddings: vectors, id: crypto.randomUUID(), response_type: "embeddings_floats", texts: body.texts };
    }
    const script: Scripted = this.scripts.next() ?? {};
    if ("error" in script) {
      if (!(await passGate(script.gate, signal))) return new Response(null, { status: 499 });
      return this.errorResponse(new Rejection(script.error.status, script.error.type, script.error.message), script.error.headers);
    }
    return Response.json(answer, { headers: { "x-amzn-requestid": crypto.randomUUID() } });
  }

  private errorResponse(r: Rejection, extra: Record<string, string> = {}): Response {
    return new Response(JSON.stringify({ message: r.message }), {
      status: r.status,
      headers: {
        "content-type": "application/json",
        "x-amzn-requestid": crypto.randomUUID(),
        "x-amzn-errortype": `${r.type}:${r.namespace}`,
        ...extra,
      },
    });
  }

  private plan(body: Json, script: ScriptedAnswer) {
    const thinkingOn = body.additionalModelRequestFields?.thinking?.type === "enabled";
    const lastUser = [...body.messages].reverse().find((m: Json) => m.role === "user");
    const texts = lastUser.content.filter((b: Json) => typeof b.text === "string").map((b: Json) => b.text);
    const results = lastUser.content
      .filter((b: Json) => b.toolResult)
      .map((b: Json) => (b.toolResult.content ?? []).map((c: Json) => c.text ?? JSON.stringify(c.json)).join(""));
    const toolCalls = (script.toolCalls ?? []).map((c) => ({
      id: c.id ?? `tooluse_${randomString(ALNUM, 22)}`,
      name: c.name,
      input: typeof c.input === "string" ? c.input : JSON.stringify(c.input),
    }));
    const content = script.content ?? (toolCalls.length ? "" : results.length ? `Done: ${results.join("; ")}` : texts.join(" "));
    const reasoning = (script.reasoning ?? (thinkingOn ? [{ text: `Thinking about: ${texts.join(" ") || results.join("; ")}` }] : [])).map((r) => {
      if ("redacted" in r) return r;
      const signature = r.signature ?? randomBase64(120);
      this.signatures.add(signature);
      return { text: r.text, signature };
    });
    const promptChars = JSON.stringify(body.messages).length + JSON.stringify(body.system ?? []).length;
    const outputChars =
      content.length + toolCalls.reduce((n, c) => n + c.input.length + c.name.length, 0) + reasoning.reduce((n, r) => n + ("text" in r ? r.text.length : 0), 0);
    const cacheRead = script.usage?.cacheReadInputTokens ?? 0;
    const cacheWrite = script.usage?.cacheWriteInputTokens ?? 0;
    const input = script.usage?.inputTokens ?? Math.max(1, Math.ceil(promptChars / 4) - cacheRead - cacheWrite);
    const output = script.usage?.outputTokens ?? Math.max(1, Math.ceil(outputChars / 4));
    return {
      content,
      reasoning,
      toolCalls,
      stopReason: script.stopReason ?? (toolCalls.length ? "tool_use" : "end_turn"),
      usage: { cacheRead, cacheWrite, input, output, total: input + output + cacheRead + cacheWrite },
    };
  }

  private async answer(received: ReceivedRequest, script: ScriptedAnswer, signal: AbortSignal, started: number): Promise<Response> {
    const plan = this.plan(received.body as Json, script);
    const gate = script.gate;
    if (!(await passGate(gate, signal))) return new Response(null, { status: 499 });
    const latencyMs = Math.max(1, Math.round(performance.now() - started));
    const headers = { "x-amzn-requestid": crypto.randomUUID(), ...script.headers };

    if (received.operation === "converse") {
      // Field order follows amazon-bedrock-text.json.
      const content: Json[] = [];
      for (const r of plan.reasoning) {
        content.push({ reasoningContent: "redacted" in r ? { redactedContent: r.redacted } : { reasoningText: { signature: r.signature, text: r.text } } });
      }
      if (plan.content) content.push({ text: plan.content });
      for (const c of plan.toolCalls) content.push({ toolUse: { toolUseId: c.id, name: c.name, input: parseJson(c.input) ?? {} } });
      const u = plan.usage;
      return Response.json(
        {
          metrics: { latencyMs },
          output: { message: { content, role: "assistant" } },
          stopReason: plan.stopReason,
          usage: {
            cacheReadInputTokenCount: u.cacheRead,
            cacheReadInputTokens: u.cacheRead,
            cacheWriteInputTokenCount: u.cacheWrite,
            cacheWriteInputTokens: u.cacheWrite,
            inputTokens: u.input,
            outputTokens: u.output,
            serverToolUsage: {},
            totalTokens: u.total,
          },
        },
        { headers: { ...headers, "content-type": "application/json" } },
      );
    }

    const frames = this.frames(plan, script, latencyMs);
    const pieces = script.splitFrames ? resplit(frames) : frames;
    const stream = gatedStream(pieces, gate, signal, () => this.log.markAborted(received));
    return new Response(stream, { headers: { ...headers, "content-type": "application/vnd.amazon.eventstream" } });
  }

  /** The documented event order (payloads as in amazon-bedrock-*.chunks.txt), each padded with `p` like the real service. */
  private frames(plan: ReturnType<Fake["plan"]>, script: ScriptedAnswer, latencyMs: number): Uint8Array[] {
    const events: [string, Json][] = [["messageStart", { role: "assistant" }]];
    let block = 0;
    for (const r of plan.reasoning) {
      if ("redacted" in r) {
        events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { reasoningContent: { redactedContent: r.redacted } } }]);
      } else {
        for (const piece of textPieces(r.text)) events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { reasoningContent: { text: piece } } }]);
        events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { reasoningContent: { signature: r.signature } } }]);
      }
      events.push(["contentBlockStop", { contentBlockIndex: block }]);
      block++;
    }
    if (plan.content) {
      for (const piece of textPieces(plan.content)) events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { text: piece } }]);
      events.push(["contentBlockStop", { contentBlockIndex: block }]);
      block++;
    }
    for (const c of plan.toolCalls) {
      events.push(["contentBlockStart", { contentBlockIndex: block, start: { toolUse: { toolUseId: c.id, name: c.name } } }]);
      for (const piece of argumentPieces(c.input)) events.push(["contentBlockDelta", { contentBlockIndex: block, delta: { toolUse: { input: piece } } }]);
      events.push(["contentBlockStop", { contentBlockIndex: block }]);
      block++;
    }
    const u = plan.usage;
    const usage: Json = { inputTokens: u.input, outputTokens: u.output, serverToolUsage: {}, totalTokens: u.total };
    if (u.cacheRead) usage.cacheReadInputTokens = u.cacheRead;
    if (u.cacheWrite) usage.cacheWriteInputTokens = u.cacheWrite;
    const stop: [string, Json] = ["messageStop", { stopReason: plan.stopReason }];
    const metadata: [string, Json] = ["metadata", { metrics: { latencyMs }, usage }];
    events.push(...(script.metadataBeforeStop ? [metadata, stop] : [stop, metadata]));

    let frames = events.map(([type, payload]) => eventFrame(type, payload));
    if (script.cutAfterFrames !== undefined) frames = frames.slice(0, script.cutAfterFrames);
    const err = script.streamError;
    if (err) {
      const payload: Json = { message: err.message };
      if (err.originalStatusCode !== undefined) payload.originalStatusCode = err.originalStatusCode;
      if (err.originalMessage !== undefined) payload.originalMessage = err.originalMessage;
      frames = [...frames.slice(0, err.afterFrames), exceptionFrame(err.exceptionType, payload)];
    }
    return frames;
  }
}

function eventFrame(eventType: string, payload: Json): Uint8Array {
  const padded = { ...payload, p: PADDING.slice(0, 1 + Math.floor(Math.random() * PADDING.length)) };
  const headers: MessageHeaders = {
    ":event-type": { type: "string", value: eventType },
    ":content-type": { type: "string", value: "application/json" },
    ":message-type": { type: "string", value: "event" },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(padded)) });
}

function exceptionFrame(exceptionType: string, payload: Json): Uint8Array {
  const headers: MessageHeaders = {
    ":exception-type": { type: "string", value: exceptionType },
    ":content-type": { type: "string", value: "application/json" },
    ":message-type": { type: "string", value: "exception" },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** Frames cut at odd offsets and glued across boundaries, the way TCP reads may deliver them. */
function resplit(frames: Uint8Array[]): Uint8Array[] {
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  const out: Uint8Array[] = [];
  const sizes = [1, 3, 7, 2, 50, 5, 200, 11];
  for (let i = 0, k = 0; i < all.length; k++) {
    const size = sizes[k % sizes.length];
    out.push(all.slice(i, i + size));
    i += size;
  }
  return out;
}

async function sha256Hex(text: string): Promise<string> {
  const h = new Sha256();
  h.update(fromUtf8(text));
  return Buffer.from(await h.digest()).toString("hex");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function randomBase64(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64");
}
