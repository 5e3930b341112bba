import { ApiError } from "../../errors/vocabulary.ts";
import { BodyTimeout, BodyTooLarge, readLimited } from "../../http/body.ts";
import type { Call } from "../call.ts";

export interface BodyLimits {
  maxBodyBytes: number;
  requestTimeoutMs: number;
}

/**
 * The first step of every JSON API: the body, read within its size and time limits, parsed.
 * Throws ApiError (413, 408, 400) in the engine's vocabulary; the caller answers in its API's shape.
 */
export async function readJsonBody(req: Request, limits: BodyLimits, t0: number): Promise<unknown> {
  let text: string;
  try {
    text = await readLimited(req, limits.maxBodyBytes, { deadline: t0 + limits.requestTimeoutMs });
  } catch (e) {
    if (e instanceof BodyTooLarge) throw new ApiError("request_too_large", `Request body is larger than the limit of ${limits.maxBodyBytes} bytes.`);
    if (e instanceof BodyTimeout) throw new ApiError("request_timeout", `The request body did not arrive within ${limits.requestTimeoutMs} ms.`);
    throw new ApiError("invalid_json", "The request body could not be read.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "We could not parse the JSON body of your request. The body must be a JSON object.");
  }
}

/** The `model` a parsed body names, for the trace, before it is validated. */
export const requestedModel = (raw: unknown): string =>
  raw && typeof raw === "object" && typeof (raw as { model?: unknown }).model === "string" ? (raw as { model: string }).model : "";

/**
 * The read step of a model call: the body, then, once it is in, the connection's slow-sender limit
 * lifted (from here the wait is the upstream's, which may take minutes), and the model it names
 * recorded on the call for the trace, before it is validated.
 */
export async function readCallBody(
  req: Request,
  limits: BodyLimits,
  call: Call,
  server: { timeout(req: Request, seconds: number): void } | undefined,
): Promise<unknown> {
  const raw = await readJsonBody(req, limits, call.t0);
  server?.timeout(req, 0);
  call.requested = requestedModel(raw);
  return raw;
}
