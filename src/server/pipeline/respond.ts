import type { WireError } from "../../errors/vocabulary.ts";
import { openaiErrorResponse } from "../../openai/errors.ts";
import type { Call } from "../call.ts";
import type { Finish } from "./finish.ts";

export const TRACE_HEADER = "x-opentracy-trace-id";

/** An error answered in OpenAI's shape, with the trace id, after the trace records it. */
export function failOpenAI(call: Call, finish: Finish, e: WireError): Response {
  finish(e.status, { type: e.error.type, message: e.error.message });
  return openaiErrorResponse(e, { [TRACE_HEADER]: call.id });
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
