import { cassetteRequest } from "./key.ts";
import { type CassetteWriter, encodeChunk } from "./store.ts";

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

// Rate-limit headers are kept (clients act on them) though some name tokens; anything else that
// could carry a secret or a session is not, nor what described the bytes on the wire (the body is
// stored decoded, its length follows from the chunks).
const KEPT = /^(x-ratelimit-|anthropic-ratelimit-)/i;
const DROPPED =
  /^(set-cookie|cookie|authorization|proxy-|www-authenticate|content-length|content-encoding|transfer-encoding|connection|keep-alive)|key|token|secret|signature|credential|session|cookie/i;

export function recordedHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) if (KEPT.test(k) || !DROPPED.test(k)) out[k] = v;
  return out;
}

/**
 * A fetch that records every answer it gets: the client reads the upstream's body as it flows
 * (each read is passed on as it comes, with its arrival time noted beside it), and once the body
 * has ended the recording is written in the background. An answer cut off (the client left, the
 * upstream broke) is not recorded: replaying half an answer would be a lie.
 */
export function recordingFetch(writer: CassetteWriter, inner: Fetch = (url, init) => fetch(url, init)): Fetch {
  return async (url, init) => {
    const t0 = performance.now();
    const res = await inner(url, init);
    const headersMs = performance.now() - t0;
    const reads: { ms: number; bytes: Uint8Array }[] = [];
    const save = () => {
      // The request is read here, after the answer, so the hot path pays nothing for it.
      writer.add(cassetteRequest(url, init), {
        status: res.status,
        headers: recordedHeaders(res.headers),
        headers_ms: Math.round(headersMs * 10) / 10,
        chunks: reads.map((r) => encodeChunk(r.ms, r.bytes)),
      });
    };
    if (!res.body) {
      setImmediate(save);
      return res;
    }
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(bytes, controller) {
        reads.push({ ms: performance.now() - t0, bytes });
        controller.enqueue(bytes);
      },
      flush() {
        // Not before the client has its last bytes: the file's fsync would hold them back.
        setImmediate(save);
      },
    });
    return new Response(res.body.pipeThrough(tap), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
