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
  return new UpstreamError({
    status: 502,
    error: { message: `${provider} sent an invalid response: ${what}`, type: "upstream_error", param: null, code: "bad_upstream_response" },
    headers: {},
  });
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

/** A request the target cannot honour (n>1 on Anthropic, audio input, ...): 400 naming the parameter. */
export function rejectRequest(message: string, param: string | null): UpstreamError {
  return new UpstreamError({ status: 400, error: { message, type: "invalid_request_error", param, code: "unsupported_parameter" }, headers: {} });
}
