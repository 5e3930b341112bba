import { resolveKey } from "../config/keys.ts";
import type { Settings } from "../config/live.ts";
import type { ChatCompletion, ChatRequestBody } from "../openai/schema.ts";
import { ADAPTERS } from "../providers/adapters.ts";
import { UpstreamError } from "../providers/errors.ts";
import type { MappedError, ProtocolAdapter, Target } from "../providers/types.ts";
import { UpstreamBody } from "../providers/upstream-body.ts";
import type { PlannedTarget } from "../routing/plan.ts";
import { BodyTimeout, BodyTooLarge, readLimited } from "./body.ts";
import type { UpstreamStream } from "./stream-relay.ts";

export interface AttemptLimits {
  firstByteMs: number;
  idleMs: number;
  /** A non-stream answer larger than this is refused (502) rather than held in memory. */
  maxResponseBytes: number;
}

export type AttemptResult =
  /** `text`: the upstream's own JSON, when the adapter relays it as sent. */
  | { ok: true; status: number; completion: ChatCompletion; text: string | null }
  | { ok: true; status: number; stream: UpstreamStream }
  /** `status` null: no HTTP answer (refused, reset, timed out). */
  | { ok: false; status: number | null; mapped: MappedError }
  | { ok: false; clientGone: true };

const mappedError = (status: number, message: string, type: string, code: string): MappedError => ({
  status,
  error: { message, type, param: null, code },
  headers: {},
});

/** The adapter and the concrete target for one planned target, or why it cannot be called. */
export function prepareTarget(
  planned: PlannedTarget,
  settings: Pick<Settings, "config" | "secrets">,
  env: NodeJS.ProcessEnv,
): { adapter: ProtocolAdapter; target: Target } | MappedError {
  const { provider, model } = planned;
  const adapter = ADAPTERS[provider.protocol];
  const key = resolveKey(provider, settings.secrets, env);
  const override = settings.config.providers[provider.name];
  const target: Target = {
    provider,
    model,
    baseUrl: (env[provider.baseUrlEnv] || override?.base_url || provider.baseUrl).replace(/\/+$/, ""),
    key: key?.value ?? null,
    headers: override?.headers ?? {},
    secrets: settings.secrets,
    env,
  };
  const missing = adapter.missingCredentials
    ? adapter.missingCredentials(target)
    : !key && provider.keyEnv
      ? `No API key for ${provider.name}. Add one with \`opentracy keys set ${provider.name}\` or set ${provider.keyEnv}.`
      : null;
  if (missing) return mappedError(401, missing, "authentication_error", "missing_api_key");
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
): Promise<AttemptResult> {
  const name = target.provider.name;
  let upstream;
  try {
    upstream = await adapter.buildRequest(body, target, stream);
  } catch (e) {
    if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
    throw e;
  }

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, limits.firstByteMs);
  const timeout = () => mappedError(504, `${name} did not answer within ${limits.firstByteMs} ms`, "upstream_error", "first_byte_timeout");
  try {
    let res: Response;
    try {
      res = await fetch(upstream.url, { ...upstream.init, signal: abort.signal });
    } catch (e: any) {
      if (timedOut) return { ok: false, status: null, mapped: timeout() };
      if (abort.signal.aborted) return { ok: false, clientGone: true };
      return {
        ok: false,
        status: null,
        mapped: mappedError(502, `Could not reach ${name} at ${target.baseUrl}: ${e?.code ?? e?.message ?? e}`, "api_error", "upstream_unreachable"),
      };
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      return { ok: false, status: res.status, mapped: adapter.mapError(res.status, text, res.headers, target) };
    }
    try {
      if (!stream) {
        // A whole answer is read at once: its idle limit is simply a deadline for the body.
        const text = await readLimited(res, limits.maxResponseBytes, { deadline: Date.now() + limits.idleMs });
        return { ok: true, status: res.status, completion: adapter.parseResponse(text, target), text: adapter.relaysAnswerText ? text : null };
      }
      const body = new UpstreamBody(res.body ?? new ReadableStream(), { ms: limits.idleMs, provider: name });
      const it = adapter.streamChunks(body, target)[Symbol.asyncIterator]();
      const first = await it.next();
      return { ok: true, status: res.status, stream: { first: first.done ? null : first.value, rest: it, body } };
    } catch (e: any) {
      if (timedOut) return { ok: false, status: null, mapped: timeout() };
      if (abort.signal.aborted) return { ok: false, clientGone: true };
      if (e instanceof UpstreamError) return { ok: false, status: e.mapped.status, mapped: e.mapped };
      if (e instanceof BodyTimeout)
        return {
          ok: false,
          status: 504,
          mapped: mappedError(504, `${name} sent nothing for ${limits.idleMs} ms; the answer was cut off`, "upstream_error", "idle_timeout"),
        };
      if (e instanceof BodyTooLarge)
        return {
          ok: false,
          status: 502,
          mapped: mappedError(502, `${name} sent an answer larger than ${limits.maxResponseBytes} bytes`, "upstream_error", "response_too_large"),
        };
      return {
        ok: false,
        status: null,
        mapped: mappedError(502, `${name} closed the connection mid-answer: ${e?.message ?? e}`, "api_error", "upstream_interrupted"),
      };
    }
  } finally {
    clearTimeout(timer);
  }
}
