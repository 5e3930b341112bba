import { errorTypeForStatus } from "../../openai/errors.ts";
import { genericError, retryHeaders, UpstreamError } from "../errors.ts";
import type { MappedError } from "../types.ts";
import { lookup } from "../lookup.ts";
import { errorJson } from "../upstream-json.ts";
import { PROVIDER } from "./wire.ts";

/** google.rpc.Code names → the HTTP status an OpenAI client expects for each. */
const STATUS_FOR_CODE: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

const RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";
const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";
const DURATION = /^(\d+(?:\.\d+)?)s$/;

/** A Gemini error answer (`{"error":{"code","message","status","details"}}`) in OpenAI's shape. */
export function mapError(status: number, text: string, headers: Headers): MappedError {
  const parsed = errorJson(text);
  // Without alt=sse, streamGenerateContent wraps its error in an array.
  const err = (Array.isArray(parsed) ? parsed[0] : parsed)?.error;
  // Not JSON (an HTML page for an unknown path, a proxy in between): the status and a readable snippet.
  if (!err || typeof err !== "object") return genericError(PROVIDER, status, text, headers);
  return fromGoogleError(err, status, headers);
}

/** An `error` object met inside a 200 body or mid-stream. */
export function googleErrorInBody(err: unknown): UpstreamError {
  const code = typeof (err as any)?.code === "number" ? (err as any).code : 500;
  return new UpstreamError(fromGoogleError(err, code, new Headers()));
}

function fromGoogleError(err: any, httpStatus: number, headers: Headers): MappedError {
  const name = typeof err.status === "string" ? err.status : null;
  const details: any[] = Array.isArray(err.details) ? err.details : [];
  // A wrong key is INVALID_ARGUMENT (400) on Gemini; for an OpenAI client it is an authentication error.
  const badKey = details.some((d) => d?.["@type"] === ERROR_INFO && d.reason === "API_KEY_INVALID");
  const status = badKey ? 401 : (name && lookup(STATUS_FOR_CODE, name)) || (httpStatus >= 400 ? httpStatus : 500);
  const out: MappedError = {
    status,
    error: {
      message: typeof err.message === "string" && err.message ? err.message : `Gemini returned ${name ?? `HTTP ${httpStatus}`}`,
      type: errorTypeForStatus(status),
      param: null,
      code: badKey ? "invalid_api_key" : name ? name.toLowerCase() : null,
    },
    headers: retryHeaders(headers),
  };
  if (!out.headers["retry-after"]) {
    const delay = details.find((d) => d?.["@type"] === RETRY_INFO)?.retryDelay;
    const seconds = typeof delay === "string" ? DURATION.exec(delay)?.[1] : undefined;
    if (seconds !== undefined) {
      out.headers["retry-after"] = String(Math.ceil(Number(seconds)));
      out.headers["retry-after-ms"] ??= String(Math.round(Number(seconds) * 1000));
    }
  }
  return out;
}
