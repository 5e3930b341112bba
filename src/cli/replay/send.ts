import type { TraceRecord } from "../../traces/record.ts";
import { CliError } from "../output.ts";
import { type Queued, REPLAY_OF_TAG } from "./select.ts";
import { RUN_TAG } from "../../server/run-prefix.ts";

/** What one replayed call came back with. */
export type Outcome =
  | {
      ok: true;
      /** The answer's choice messages, the shape of a trace's `response`. */
      messages: unknown[];
      input_tokens: number | null;
      output_tokens: number | null;
      /** The engine's `_cost`: null when the model has no known price. */
      cost_usd: number | null;
      /** The engine's `_latency_ms`, measured as the original trace's `latency_ms` was. */
      latency_ms: number;
    }
  | { ok: false; status: number | null; error: string };

export interface SendOptions {
  /** The engine's base URL. */
  url: string;
  /** An engine token (OPENTRACY_TOKEN), sent as the bearer; never written anywhere. */
  token?: string;
  to: string;
  run: string;
  concurrency: number;
}

const CALL_TIMEOUT_MS = 600_000;

/**
 * The recorded request as a new chat request to `to`: the client's own parameters, not streamed.
 * The body's `metadata` is forwarded, but without `run` and `replay_of`: the engine reads body
 * metadata as tags over the header's, and the original's run must not claim the replay.
 */
export function replayBody(trace: TraceRecord, to: string): Record<string, unknown> {
  const params: Record<string, unknown> = { ...trace.request_params };
  const meta = params.metadata;
  if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) {
    const { [RUN_TAG]: _r, [REPLAY_OF_TAG]: _o, ...rest } = meta as Record<string, unknown>;
    params.metadata = rest;
  }
  return { ...params, model: to, messages: trace.request, stream: false };
}

/**
 * The same failure would end every call (no token, a token refused, a model the engine does not
 * know or the token may not use): stop at the first rather than spend the whole selection on it.
 */
function fatal(status: number, code: unknown): boolean {
  return status === 401 || (status === 403 && code === "model_not_allowed") || (status === 404 && code === "model_not_found");
}

/**
 * Sends what `next` hands out, at most `concurrency` calls in flight, and gives each outcome to
 * `onOutcome` as it comes; the record is dropped then, so no more than `concurrency` are held.
 * Any error (a refusal every call would share, a store that fails, a bug) stops every sender and
 * aborts the calls in flight before it is thrown: nothing goes on being sent behind it.
 */
export async function sendAll(next: () => Promise<Queued | null>, o: SendOptions, onOutcome: (q: Queued, outcome: Outcome) => void): Promise<void> {
  const stop = new AbortController();
  let failure: { error: unknown } | null = null;
  const sender = async () => {
    try {
      while (!failure) {
        const queued = await next();
        if (!queued || failure) return;
        const outcome = await sendOne(queued.record, o, stop.signal);
        if (failure) return;
        onOutcome(queued, outcome);
      }
    } catch (error) {
      failure ??= { error };
      stop.abort();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, sender));
  if (failure) throw (failure as { error: unknown }).error;
}

async function sendOne(trace: TraceRecord, o: SendOptions, stop: AbortSignal): Promise<Outcome> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-opentracy-tags": `${RUN_TAG}=${o.run},${REPLAY_OF_TAG}=${trace.id}`,
  };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let res: Response;
  try {
    res = await fetch(`${o.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify(replayBody(trace, o.to)),
      signal: AbortSignal.any([stop, AbortSignal.timeout(CALL_TIMEOUT_MS)]),
    });
  } catch (e: any) {
    if (stop.aborted) return { ok: false, status: null, error: "stopped" };
    return { ok: false, status: null, error: `no answer from the engine at ${o.url}: ${e?.message ?? e}` };
  }
  const text = await res.text().catch(() => "");
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const message = String(body?.error?.message ?? (text.slice(0, 200) || res.statusText));
    if (fatal(res.status, body?.error?.code)) {
      // Only the engine's own token errors are about OPENTRACY_TOKEN; a provider's 401 names its key.
      const tokenError = res.status === 401 && (body?.error?.code === "invalid_api_key" || body?.error?.code === "token_expired");
      const hint = !tokenError ? "" : o.token ? " (check OPENTRACY_TOKEN)" : "; set OPENTRACY_TOKEN to an engine token (opentracy tokens create)";
      throw new CliError(`the engine refused the replay to ${o.to}: ${message}${hint}`);
    }
    return { ok: false, status: res.status, error: message };
  }
  if (!Array.isArray(body?.choices)) return { ok: false, status: res.status, error: "the engine's answer has no choices" };
  return {
    ok: true,
    messages: body.choices.map((c: any) => c?.message ?? null),
    input_tokens: typeof body.usage?.prompt_tokens === "number" ? body.usage.prompt_tokens : null,
    output_tokens: typeof body.usage?.completion_tokens === "number" ? body.usage.completion_tokens : null,
    cost_usd: typeof body._cost === "number" ? body._cost : null,
    latency_ms: typeof body._latency_ms === "number" ? body._latency_ms : 0,
  };
}
