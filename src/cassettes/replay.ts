import { ApiError, toWire } from "../errors/vocabulary.ts";
import { UpstreamError } from "../providers/errors.ts";
import { type CassetteRequest, cassetteKey, cassetteRequest, differences, distance } from "./key.ts";
import { type Cassette, decodeChunk, type RecordedChunk } from "./store.ts";

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** `real`: the status after the recorded wait and each chunk at its recorded offset; `none`: everything at once. */
export type ReplayTiming = "real" | "none";

export const REPLAY_TIMINGS: readonly ReplayTiming[] = ["real", "none"];

/**
 * A fetch that answers from recordings and never touches the network. A request recorded several
 * times gets its answers in the order they were recorded, then the last one again. A request not
 * recorded is refused with a 400 `cassette_miss` naming the nearest recorded request and where it
 * differs; a 400, because the routing answers it at once instead of retrying or falling back as if
 * a provider were down.
 */
export function replayingFetch(cassettes: ReadonlyMap<string, Cassette>, dir: string, timing: ReplayTiming): Fetch {
  const served = new Map<string, number>();
  return async (url, init) => {
    const t0 = performance.now();
    const request = cassetteRequest(url, init);
    const key = cassetteKey(request);
    const cassette = cassettes.get(key);
    if (!cassette) throw new UpstreamError(toWire(new ApiError("cassette_miss", missMessage(request, cassettes, dir))));
    const n = served.get(key) ?? 0;
    served.set(key, n + 1);
    const answer = cassette.answers[Math.min(n, cassette.answers.length - 1)]!;
    const signal = init.signal ?? undefined;
    const start = timing === "real" ? t0 : null;
    if (start !== null) await until(start + answer.headers_ms, signal);
    signal?.throwIfAborted();
    // 204 and 304 cannot carry a body, even an empty one.
    const body = answer.status === 204 || answer.status === 304 ? null : replayBody(answer.chunks, start, signal);
    return new Response(body, { status: answer.status, headers: answer.headers });
  };
}

/** The recorded chunks one per read, each no earlier than its recorded offset from `start` (when timed). */
function replayBody(chunks: RecordedChunk[], start: number | null, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = chunks[next++];
        if (!chunk) return controller.close();
        if (start !== null) await until(start + chunk.ms, signal);
        controller.enqueue(decodeChunk(chunk));
        if (next >= chunks.length) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Resolves once performance.now() reaches `deadline`; rejects with the signal's reason if it fires first. */
function until(deadline: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = deadline - performance.now();
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const pathOf = (path: string) => path.split("?")[0];

/** Names the miss and, among the recordings to the same path, the one that differs in the fewest fields, and those fields. */
export function missMessage(request: CassetteRequest, cassettes: ReadonlyMap<string, Cassette>, dir: string): string {
  const what = `${request.method} ${pathOf(request.path)} with this request is not in the cassette ${dir}`;
  let nearest: { key: string; request: CassetteRequest; d: number } | null = null;
  for (const [key, c] of cassettes) {
    if (c.request.method !== request.method || pathOf(c.request.path) !== pathOf(request.path)) continue;
    const d = distance(request, c.request);
    if (!nearest || d < nearest.d) nearest = { key, request: c.request, d };
  }
  if (!nearest) return `${what}, nor any request to that path (${cassettes.size} recorded); record it with \`opentracy serve --record ${dir}\``;
  const fields = differences(request, nearest.request).map(fieldName);
  const more = nearest.d > fields.length ? ` and ${nearest.d - fields.length} more` : "";
  return `${what}; the nearest recorded request (${nearest.key.slice(0, 12)}… in ${dir}) differs in ${fields.join(", ")}${more}`;
}

/** `body.messages[1].content` → `messages[1].content`; `headers.anthropic-beta` → `header anthropic-beta`; `path` → `the URL's query`. */
function fieldName(path: string): string {
  if (path.startsWith("body.")) return path.slice(5);
  if (path === "body") return "the body";
  if (path.startsWith("headers.")) return `header ${path.slice(8)}`;
  if (path === "path") return "the URL's query";
  return path;
}
