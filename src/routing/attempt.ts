import type { Config } from "../config/schema.ts";
import { DEFAULT_FIRST_BYTE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from "./policy.ts";
import type { Settings } from "../config/live.ts";
import type { ChatCompletion, ChatRequestBody } from "../openai/schema.ts";
import { ADAPTERS } from "../providers/adapters.ts";
import { UpstreamError } from "../providers/errors.ts";
import { ApiError, type ErrorCode, toWire } from "../errors/vocabulary.ts";
import { BodyTimeout, BodyTooLarge, readLimited } from "../http/body.ts";
import type { MappedError, ProtocolAdapter, StreamChunk, Target, UpstreamRequest } from "../providers/types.ts";
import { UpstreamBody } from "../providers/upstream-body.ts";
import { resolveBaseUrl } from "../providers/base-url.ts";
import { explainUpstreamError } from "./upstream-error.ts";
import type { PlannedTarget } from "./plan.ts";

export interface AttemptLimits {
  firstByteMs: number;
  idleMs: number;
  /** A non-stream answer larger than this is refused (502) rather than held in memory. */
  maxResponseBytes: number;
}

/** An attempt's stream: the first read's chunks, pre-read to know it succeeded; the rest, a read's chunks at a time; the bytes beneath. */
export interface UpstreamStream {
  first: StreamChunk[] | null;
  rest: AsyncIterator<StreamChunk[]>;
  body: UpstreamBody;
}

/** An adapter and the concrete target it calls: what one attempt needs. */
export interface PreparedTarget {
  adapter: ProtocolAdapter;
  target: Target;
}

export type AttemptSuccess =
  /** `text`: the upstream's own JSON, when the adapter relays it as sent. */
  { ok: true; status: number; completion: ChatCompletion; text: string | null } | { ok: true; status: number; stream: UpstreamStream };

/** A try that did not succeed: `status` null when there was no HTTP answer (refused, reset, timed out); or the client left. */
export type AttemptFailure = { ok: false; status: number | null; mapped: MappedError } | { ok: false; clientGone: true };

/** One try's outcome; `Ok` is what success carries for the API called (chat by default, embeddings). */
export type AttemptResult<Ok extends { ok: true; status: number } = AttemptSuccess> = Ok | AttemptFailure;

const failure = (code: ErrorCode, message: string): MappedError => toWire(new ApiError(code, message));

/** How an attempt sends its request: the global `fetch`, or one that records or replays it (src/cassettes/). */
export type UpstreamFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * How the engine's attempts reach the upstreams, chosen once at start. `offline`: the answers come
 * from a cassette, so a target without a key is still called (with none: nothing leaves the machine).
 */
export interface UpstreamAccess {
  fetch: UpstreamFetch;
  offline: boolean;
}

// `fetch` is looked up per call, not captured at load: whatever replaces globalThis.fetch later
// (an instrumentation library, a test's interceptor) still sees the upstream calls.
export const NETWORK: UpstreamAccess = { fetch: (url, init) => fetch(url, init), offline: false };

/** Stands in for the AWS keys a replayed Bedrock request is signed with; the signature goes nowhere. */
const OFFLINE_AWS = { accessKeyId: "offline", secretAccessKey: "offline", source: "none (replay)" };

/** The adapter and the concrete target for one planned target, or why it cannot be called. */
export function prepareTarget(
  planned: PlannedTarget,
  settings: Pick<Settings, "config" | "secrets" | "sealed">,
  env: NodeJS.ProcessEnv,
  offline = false,
): PreparedTarget | MappedError {
  const { provider, model } = planned;
  const adapter = ADAPTERS[provider.protocol];
  const override = settings.config.providers[provider.name];
  const baseUrl = resolveBaseUrl(provider, override?.base_url, env).url;
  let credentials = adapter.credentials({ provider, baseUrl, secrets: settings.secrets, sealed: settings.sealed, env });
  if ("missing" in credentials) {
    if (!offline) return failure("missing_api_key", credentials.missing);
    credentials = { key: null, keySource: "none (replay)", aws: { ...OFFLINE_AWS, region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1" } };
  }
  const target: Target = {
    provider,
    model,
    baseUrl,
    headers: override?.headers ?? {},
    key: credentials.key,
    keySource: credentials.keySource,
    aws: credentials.aws,
    apiVersion: credentials.apiVersion,
  };
  return { adapter, target };
}

/**
 * One try against one target, up to the point where the answer can be committed to the client:
 * a parsed completion, or a stream whose first chunk has arrived (so a stream that fails before
 * its first byte can still be retried elsewhere).
 */
export async function attemptOnce(
  adapter: ProtocolAdapter,
  target: Target,
  body: ChatRequestBody,
  stream: boolean,
  limits: AttemptLimits,
  abort: AbortController,
  upstreamFetch: UpstreamFetch = fetch,
): Promise<AttemptResult> {
  const name = target.provider.name;
  let upstream;
  try {
    upstream = await adapter.buildRequest(body, target, stream);
  } catch (e) {
    // A request this target cannot honour: the client's fault, answered at once (classify: 400).
    if (e instanceof ApiError) return { ok: false, status: e.status, mapped: toWire(e) };
    if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
    throw e;
  }

  if (!stream) {
    const whole = await fetchWhole(adapter, target, upstream, limits, abort, upstreamFetch);
    if (!whole.ok) return whole;
    try {
      return { ok: true, status: whole.status, completion: adapter.parseResponse(whole.text, target), text: adapter.relaysAnswerText ? whole.text : null };
    } catch (e) {
      return readFailure(e, name, limits, abort, false, () => failure("first_byte_timeout", ""));
    }
  }

  return callUpstream(adapter, target, upstream, limits, abort, upstreamFetch, async (res) => {
    const body = new UpstreamBody(res.body ?? new ReadableStream(), { ms: limits.idleMs, provider: name });
    const it = adapter.streamChunks(body, target)[Symbol.asyncIterator]();
    const first = await it.next();
    return { ok: true as const, status: res.status, stream: { first: first.done ? null : first.value, rest: it, body } };
  });
}

/**
 * One upstream call whose whole answer is read at once (a completion, a batch of embeddings): its
 * text, or the failure in OpenAI's shape. The first-byte limit covers the call until the answer
 * is in; the idle limit is a deadline for the body.
 */
export function fetchWhole(
  adapter: Pick<ProtocolAdapter, "mapError">,
  target: Target,
  upstream: UpstreamRequest,
  limits: AttemptLimits,
  abort: AbortController,
  upstreamFetch: UpstreamFetch = fetch,
): Promise<{ ok: true; status: number; text: string } | AttemptFailure> {
  return callUpstream(adapter, target, upstream, limits, abort, upstreamFetch, async (res) => ({
    ok: true as const,
    status: res.status,
    text: await readLimited(res, limits.maxResponseBytes, { deadline: performance.now() + limits.idleMs }),
  }));
}

/**
 * Sends the request under the first-byte limit (the abort fires when it passes), turns a refusal
 * into the upstream's error in OpenAI's shape, and hands a 2xx answer to `read`; a failure while
 * reading is mapped too (a timeout, an interrupted body, one too large).
 */
async function callUpstream<T>(
  adapter: Pick<ProtocolAdapter, "mapError">,
  target: Target,
  upstream: UpstreamRequest,
  limits: AttemptLimits,
  abort: AbortController,
  upstreamFetch: UpstreamFetch,
  read: (res: Response) => Promise<T>,
): Promise<T | AttemptFailure> {
  const name = target.provider.name;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, limits.firstByteMs);
  const timeout = () => failure("first_byte_timeout", `${name} did not answer within ${limits.firstByteMs} ms`);
  try {
    const res = await send(target, upstream, abort, upstreamFetch, () => timedOut, timeout);
    if (!(res instanceof Response)) return res;
    if (!res.ok) return upstreamRefusal(adapter, target, upstream, res);
    try {
      return await read(res);
    } catch (e) {
      return readFailure(e, name, limits, abort, timedOut, timeout);
    }
  } finally {
    clearTimeout(timer);
  }
}

async function send(
  target: Target,
  upstream: UpstreamRequest,
  abort: AbortController,
  upstreamFetch: UpstreamFetch,
  timedOut: () => boolean,
  timeout: () => MappedError,
): Promise<Response | AttemptFailure> {
  try {
    return await upstreamFetch(upstream.url, { ...upstream.init, signal: abort.signal });
  } catch (e: any) {
    // A fetch that answers from elsewhere (a cassette) refuses in OpenAI's shape, with its own status.
    if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
    if (timedOut()) return { ok: false, status: null, mapped: timeout() };
    if (abort.signal.aborted) return { ok: false, clientGone: true };
    return {
      ok: false,
      status: null,
      mapped: failure("upstream_unreachable", `Could not reach ${target.provider.name} at ${target.baseUrl}: ${e?.code ?? e?.message ?? e}`),
    };
  }
}

async function upstreamRefusal(adapter: Pick<ProtocolAdapter, "mapError">, target: Target, upstream: UpstreamRequest, res: Response): Promise<AttemptFailure> {
  const text = await res.text().catch(() => "");
  return { ok: false, status: res.status, mapped: explainUpstreamError(adapter.mapError(res.status, text, res.headers, target), target, upstream.url) };
}

function readFailure(e: any, name: string, limits: AttemptLimits, abort: AbortController, timedOut: boolean, timeout: () => MappedError): AttemptFailure {
  if (timedOut) return { ok: false, status: null, mapped: timeout() };
  if (abort.signal.aborted) return { ok: false, clientGone: true };
  if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
  if (e instanceof BodyTimeout)
    return { ok: false, status: 504, mapped: failure("idle_timeout", `${name} sent nothing for ${limits.idleMs} ms; the answer was cut off`) };
  if (e instanceof BodyTooLarge) {
    return { ok: false, status: 502, mapped: failure("response_too_large", `${name} sent an answer larger than ${limits.maxResponseBytes} bytes`) };
  }
  return { ok: false, status: null, mapped: failure("upstream_interrupted", `${name} closed the connection mid-answer: ${e?.message ?? e}`) };
}

/** The limits of one attempt: config.json's routing timeouts and the engine's response size limit. */
export function attemptLimits(config: Pick<Config, "routing">, maxResponseBytes: number): AttemptLimits {
  return {
    firstByteMs: config.routing?.first_byte_timeout_ms ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS,
    idleMs: config.routing?.idle_timeout_ms ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxResponseBytes,
  };
}
