import { errorTypeForStatus } from "../../openai/errors.ts";
import { genericError, retryHeaders } from "../errors.ts";
import type { MappedError, Target } from "../types.ts";
import { errorJson } from "../upstream-json.ts";
import { lookup } from "../lookup.ts";

/**
 * Bedrock exception → the status an OpenAI client should see. Bedrock answers every credential
 * problem with 403 (UnrecognizedClientException for an unknown key or token, InvalidSignature
 * for a wrong secret, ExpiredToken for stale temporary keys); those become 401, which is what an
 * OpenAI client reads as "the key is wrong", and only AccessDeniedException — valid keys without
 * permission for the model — stays 403. ModelTimeoutException is Bedrock's 408 (the model took
 * too long), a gateway timeout from the client's side; ModelNotReadyException (429 upstream)
 * means the model is still loading, not that the caller is over a limit, hence 503.
 */
const STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  SerializationException: 400,
  UnrecognizedClientException: 401,
  InvalidSignatureException: 401,
  IncompleteSignatureException: 401,
  MissingAuthenticationTokenException: 401,
  ExpiredTokenException: 401,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  ServiceQuotaExceededException: 429,
  InternalServerException: 500,
  ModelErrorException: 502,
  ModelStreamErrorException: 502,
  ServiceUnavailableException: 503,
  ModelNotReadyException: 503,
  ModelTimeoutException: 504,
};

const NAME_PREFIX = /^[^:#]*#/;

/** `ThrottlingException:http://internal.amazon.com/coral/...` or `com.amazon.coral.service#X` → `X`. */
export function exceptionName(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const name = raw.split(":")[0].replace(NAME_PREFIX, "").trim();
  return name || null;
}

/** An HTTP error answer: JSON `{"message": ...}` with the exception named in `x-amzn-errortype`. */
export function mapError(status: number, text: string, headers: Headers, target: Target): MappedError {
  const provider = target.provider.name;
  // Not JSON (a proxy's HTML page): the generic message below keeps a snippet.
  const body = errorJson(text);
  const name = exceptionName(headers.get("x-amzn-errortype")) ?? exceptionName(body?.__type) ?? exceptionName(body?.code);
  const message = typeof body?.message === "string" ? body.message : typeof body?.Message === "string" ? body.Message : null;
  if (!name && !message) return genericError(provider, status, text, headers);
  return mapped(name, status, message ?? `${provider} returned HTTP ${status}`, retryHeaders(headers));
}

/**
 * An exception frame inside a ConverseStream answer (`:message-type: exception`), whose
 * `:exception-type` is the member name, lower camel case (`throttlingException`).
 */
export function streamException(exceptionType: string, payload: string): MappedError {
  const name = exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1);
  // Not JSON: the exception's name alone still says what happened.
  const body = errorJson(payload);
  let message = typeof body?.message === "string" ? body.message : name;
  // ModelStreamErrorException wraps the model's own failure; its words are the useful part.
  if (typeof body?.originalMessage === "string" && body.originalMessage) message += ` (model said: ${body.originalMessage})`;
  return mapped(name, 502, message, {});
}

function mapped(name: string | null, upstreamStatus: number, message: string, headers: Record<string, string>): MappedError {
  const status = (name && lookup(STATUS, name)) || upstreamStatus;
  return { status, error: { message, type: errorTypeForStatus(status), param: null, code: name }, headers };
}
