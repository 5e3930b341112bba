import { ApiError, type WireError } from "../../errors/vocabulary.ts";
import { openaiErrorResponse } from "../../openai/errors.ts";
import type { Call } from "../call.ts";
import type { Finish } from "./finish.ts";

export const TRACE_HEADER = "x-opentracy-trace-id";

/** An error answered in OpenAI's shape, with the trace id, after the trace records it. */
export function failOpenAI(call: Call, finish: Finish, e: WireError): Response {
  finish(e.status, { type: e.error.type, message: e.error.message });
  return openaiErrorResponse(e, { [TRACE_HEADER]: call.id });
}

/**
 * The attempts ended without an answer: the last error, in the endpoint's shape (`fail`), or, when
 * the client left before the answer started, nothing to send but the trace's 499.
 */
export function failAttempts(call: Call, finish: Finish, outcome: { error: WireError } | { clientGone: true }, fail = failOpenAI): Response {
  if ("error" in outcome) return fail(call, finish, outcome.error);
  const gone = new ApiError("client_disconnected", "the client closed the connection before the answer started");
  finish(gone.status, { type: gone.type, message: gone.message });
  return new Response(null, { status: gone.status });
}

/** A stream of SSE frames for the client. */
export function sseResponse(call: Call, body: ReadableStream<string>): Response {
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      [TRACE_HEADER]: call.id,
    },
  });
}
