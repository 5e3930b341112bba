import type { ChatCompletion, Usage } from "../../openai/schema.ts";
import type { ResponsesRequestBody } from "./schema.ts";

type Json = Record<string, unknown>;

/** The Responses API's usage object. */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The engine's (OpenAI chat) usage → the Responses usage shape; zeros when the upstream reported none. */
export function responsesUsage(usage: Usage | null | undefined): ResponsesUsage {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage?.total_tokens ?? input + output,
  };
}

/** The Responses usage shape → the engine's usage, which prices the call and fills the trace. */
export function chatUsage(usage: unknown): Usage | null {
  if (!usage || typeof usage !== "object") return null;
  const u = usage as Json & { input_tokens_details?: Json | null; output_tokens_details?: Json | null };
  const input = typeof u.input_tokens === "number" ? u.input_tokens : 0;
  const output = typeof u.output_tokens === "number" ? u.output_tokens : 0;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: typeof u.total_tokens === "number" ? u.total_tokens : input + output,
    prompt_tokens_details: { cached_tokens: Number(u.input_tokens_details?.cached_tokens ?? 0) },
    completion_tokens_details: { reasoning_tokens: Number(u.output_tokens_details?.reasoning_tokens ?? 0) },
  };
}

/** The ids of one translated answer: all from the trace id, so an answer and its trace name each other. */
export function responseIds(traceId: string) {
  const hex = traceId.replaceAll("-", "");
  return {
    response: `resp_${hex}`,
    message: `msg_${hex}`,
    reasoning: `rs_${hex}`,
    call: (i: number) => `fc_${hex}_${i}`,
  };
}

/** A chat finish reason → the Response's status and incomplete_details. */
export function statusOf(finishReason: string | null | undefined): { status: "completed" | "incomplete"; incomplete_details: { reason: string } | null } {
  if (finishReason === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finishReason === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/** The request's settings a Response echoes back (as OpenAI's does), for a translated answer. */
export function echoed(req: ResponsesRequestBody): Json {
  return {
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    store: false,
    temperature: req.temperature ?? 1,
    text: { format: req.text?.format ?? { type: "text" } },
    tool_choice: req.tool_choice ?? "auto",
    tools: req.tools ?? [],
    top_p: req.top_p ?? 1,
    truncation: "disabled",
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

/** The Response object's head: everything but output and usage. */
export function responseHead(id: string, createdAt: number, model: string, req: ResponsesRequestBody): Json {
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    model,
    output: [],
    ...echoed(req),
    usage: null,
  };
}

export const messageItem = (id: string, text: string, status = "completed"): Json => ({
  id,
  type: "message",
  status,
  role: "assistant",
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
});

export const functionCallItem = (id: string, callId: string, name: string, args: string, status = "completed"): Json => ({
  id,
  type: "function_call",
  status,
  call_id: callId,
  name,
  arguments: args,
});

export const reasoningItem = (id: string, text: string): Json => ({
  id,
  type: "reasoning",
  summary: [],
  content: [{ type: "reasoning_text", text }],
});

/**
 * A chat completion (from any target the request was translated for) → a Response: the first
 * choice's reasoning, text and tool calls as output items in that order, `status` from the finish
 * reason (`length` → incomplete, reason max_output_tokens), usage in the Responses shape.
 */
export function toResponse(completion: ChatCompletion, traceId: string, req: ResponsesRequestBody, requested: string): Json {
  const ids = responseIds(traceId);
  const choice = completion.choices[0];
  const message = (choice?.message ?? {}) as Json;
  const output: Json[] = [];
  const reasoning = message.reasoning_content;
  if (typeof reasoning === "string" && reasoning !== "") output.push(reasoningItem(ids.reasoning, reasoning));
  const text = typeof message.content === "string" ? message.content : typeof message.refusal === "string" ? message.refusal : "";
  if (text !== "") output.push(messageItem(ids.message, text));
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : [];
  calls.forEach((call, i) => {
    const fn = (call.function ?? {}) as Json;
    output.push(functionCallItem(ids.call(i), String(call.id ?? ids.call(i)), String(fn.name ?? ""), String(fn.arguments ?? "")));
  });
  return {
    ...responseHead(ids.response, completion.created || Math.floor(Date.now() / 1000), completion.model || requested, req),
    ...statusOf(choice?.finish_reason),
    output,
    usage: responsesUsage(completion.usage),
  };
}

/**
 * A Response (OpenAI's or Azure's own, passed through) → the chat completion the engine records:
 * usage for the price, the text and function calls for the trace, a finish reason from its
 * status. The client gets the Response's own text, not this.
 */
export function fromResponse(resp: Json): ChatCompletion {
  const output = Array.isArray(resp.output) ? (resp.output as Json[]) : [];
  let text = "";
  const toolCalls: Json[] = [];
  for (const item of output) {
    if (item.type === "message" && Array.isArray(item.content)) {
      for (const part of item.content as Json[]) if (part.type === "output_text" && typeof part.text === "string") text += part.text;
    } else if (item.type === "function_call") {
      toolCalls.push({ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } });
    }
  }
  const incomplete = resp.status === "incomplete";
  const reason = (resp.incomplete_details as Json | null)?.reason;
  const finish = incomplete ? (reason === "content_filter" ? "content_filter" : "length") : toolCalls.length ? "tool_calls" : "stop";
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: text || null };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: String(resp.id ?? ""),
    object: "chat.completion",
    created: typeof resp.created_at === "number" ? resp.created_at : 0,
    model: String(resp.model ?? ""),
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: chatUsage(resp.usage),
  };
}
