import { ApiError, type ErrorCode, toWire } from "../errors/vocabulary.ts";
import { errorTypeForStatus } from "../openai/errors.ts";
import type { MappedError } from "./types.ts";

/** Raised inside a provider adapter when the upstream broke its own protocol or reported an error mid-stream. */
export class UpstreamError extends Error {
  constructor(readonly mapped: MappedError) {
    super(mapped.error.message);
  }
}

/** A 502 for an upstream whose answer could not be understood; the message says what was wrong, never the body's secrets. */
export function badUpstream(provider: string, what: string): UpstreamError {
  return upstreamFailure("bad_upstream_response", `${provider} sent an invalid response: ${what}`);
}

/** An upstream failure the engine names in its own vocabulary (a cut-off stream, a blocked prompt), raised where it is met. */
export function upstreamFailure(code: ErrorCode, message: string, param: string | null = null): UpstreamError {
  return new UpstreamError(toWire(new ApiError(code, message, param)));
}

/** Headers that tell a client when to come back; kept from any upstream error. */
const PASS_HEADERS = ["retry-after", "retry-after-ms"];

export function retryHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of PASS_HEADERS) {
    const v = headers.get(h);
    if (v !== null) out[h] = v;
  }
  for (const [k, v] of headers) if (k.startsWith("x-ratelimit-")) out[k] = v;
  return out;
}

/** An upstream error body that is not OpenAI's shape still becomes one, with a readable message. */
export function genericError(provider: string, status: number, text: string, headers: Headers): MappedError {
  const snippet = text.length > 500 ? `${text.slice(0, 500)}…` : text;
  return {
    status,
    error: {
      message: `${provider} returned HTTP ${status}${snippet ? `: ${snippet}` : ""}`,
      type: errorTypeForStatus(status),
      param: null,
      code: null,
    },
    headers: retryHeaders(headers),
  };
}
