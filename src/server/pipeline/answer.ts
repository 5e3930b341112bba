import type { Config } from "../../config/schema.ts";
import type { ChatCompletion } from "../../openai/schema.ts";
import type { Call } from "../call.ts";
import type { Finish } from "./finish.ts";
import { spliceExtras } from "./splice-extras.ts";
import { TRACE_HEADER } from "./respond.ts";

/**
 * A whole answer for the client, with the extras: the upstream's own text when it can be relayed
 * as sent, else the completion in the endpoint's shape (`shape`: OpenAI's as it is by default,
 * an Anthropic Message for /v1/messages).
 */
export function answerCompletion(
  call: Call,
  config: Config,
  finish: Finish,
  completion: ChatCompletion,
  upstreamText: string | null,
  shape: (completion: ChatCompletion) => object = (c) => c,
): Response {
  call.markFirstByte();
  call.responseId = completion.id ?? null;
  call.setUsage(completion.usage, config, completion.model);
  call.finishReason = completion.choices[0]?.finish_reason ?? null;
  call.toolCalls = completion.choices.reduce((n, c) => n + (Array.isArray(c.message?.tool_calls) ? c.message.tool_calls.length : 0), 0);
  call.response = completion.choices.map((c) => c.message);
  const extras = call.extras();
  const out = (upstreamText !== null && spliceExtras(upstreamText, extras)) || JSON.stringify({ ...shape(completion), ...extras });
  finish(200, null);
  return new Response(out, { status: 200, headers: { "content-type": "application/json", [TRACE_HEADER]: call.id } });
}
