import type { Usage } from "../../openai/schema.ts";
import type { MappedError, StreamChunk } from "../../providers/types.ts";
import { functionCallItem, messageItem, reasoningItem, responseHead, responseIds, responsesUsage, statusOf } from "./response.ts";
import type { ResponsesRequestBody } from "./schema.ts";

type Json = Record<string, unknown>;

/** One SSE frame as the Responses API writes it: the event's type as its name. */
export const responsesEvent = (data: Json & { type: string }): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

type Open =
  | { kind: "text" | "reasoning"; index: number; id: string; text: string }
  | { kind: "tool"; index: number; id: string; callId: string; name: string; args: string; call: number }
  | null;

/**
 * OpenAI chunks (from a target the request was translated for) → the Responses API's stream, event
 * for event as OpenAI sends it, each with its `sequence_number`: `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added`, for a message
 * `response.content_part.added`, `response.output_text.delta`s, `response.output_text.done` and
 * `response.content_part.done` (reasoning the same with `reasoning_text`), for a function call
 * `response.function_call_arguments.delta`s and `.done`, then `response.output_item.done`; last
 * `response.completed` (`response.incomplete` when the answer was cut at max_output_tokens) with
 * the whole Response, its usage and the engine's extras. A failure after the start is an `error`
 * event.
 *
 * An item is open until a chunk brings content of another kind or another tool call. Memory: the
 * finished items, since `response.completed` carries the whole output as OpenAI's does, and the
 * open item's text, which its `.done` events repeat; nothing else is kept per chunk.
 */
export class ResponsesStreamEncoder {
  private seq = 0;
  private started = false;
  private nextIndex = 0;
  private open: Open = null;
  private readonly output: Json[] = [];
  private finish: string | null = null;
  private model: string;
  private readonly ids: ReturnType<typeof responseIds>;
  private createdAt = Math.floor(Date.now() / 1000);

  constructor(
    traceId: string,
    requestedModel: string,
    private readonly req: ResponsesRequestBody,
  ) {
    this.ids = responseIds(traceId);
    this.model = requestedModel;
  }

  chunk(sc: StreamChunk): string {
    const { chunk } = sc;
    let out = this.started ? "" : this.start(chunk.model, chunk.created);
    const choice = chunk.choices[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") out += this.textDelta("reasoning", delta.reasoning_content);
    const text = typeof delta.content === "string" ? delta.content : typeof delta.refusal === "string" ? delta.refusal : "";
    if (text !== "") out += this.textDelta("text", text);
    for (const call of delta.tool_calls ?? []) out += this.toolCall(call);
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return out;
  }

  end(usage: Usage | null, extras: Record<string, unknown>): string {
    let out = this.started ? "" : this.start(undefined, undefined);
    out += this.close();
    const { status, incomplete_details } = statusOf(this.finish);
    const response = { ...this.head(), status, incomplete_details, output: this.output, usage: responsesUsage(usage), ...extras };
    return out + this.emit({ type: status === "completed" ? "response.completed" : "response.incomplete", response });
  }

  fail(mapped: MappedError): string {
    const { error } = mapped;
    return this.emit({ type: "error", code: error.code ?? error.type, message: error.message, param: error.param });
  }

  private emit(data: Json & { type: string }): string {
    return responsesEvent({ ...data, sequence_number: this.seq++ });
  }

  private head(): Json {
    return responseHead(this.ids.response, this.createdAt, this.model, this.req);
  }

  private start(model: string | undefined, created: number | undefined): string {
    this.started = true;
    if (model) this.model = model;
    if (created) this.createdAt = created;
    const response = this.head();
    return this.emit({ type: "response.created", response }) + this.emit({ type: "response.in_progress", response });
  }

  private textDelta(kind: "text" | "reasoning", delta: string): string {
    let out = "";
    let open = this.open;
    if (open?.kind !== kind) {
      out += this.close();
      const index = this.nextIndex++;
      const id = kind === "text" ? (index === 0 ? this.ids.message : `${this.ids.message}_${index}`) : `${this.ids.reasoning}_${index}`;
      open = { kind, index, id, text: "" };
      this.open = open;
      const item = kind === "text" ? { ...messageItem(id, "", "in_progress"), content: [] } : { ...reasoningItem(id, ""), content: [] };
      out += this.emit({ type: "response.output_item.added", output_index: index, item });
      out += this.emit({ type: "response.content_part.added", item_id: id, output_index: index, content_index: 0, part: this.part(kind, "") });
    }
    open.text += delta;
    // The per-chunk event, written as text: no object built and walked for every token.
    const type = kind === "text" ? "response.output_text.delta" : "response.reasoning_text.delta";
    const logprobs = kind === "text" ? ',"logprobs":[]' : "";
    return `${out}event: ${type}\ndata: {"type":"${type}","item_id":${JSON.stringify(open.id)},"output_index":${open.index},"content_index":0,"delta":${JSON.stringify(delta)}${logprobs},"sequence_number":${this.seq++}}\n\n`;
  }

  private part(kind: "text" | "reasoning", text: string): Json {
    return kind === "text" ? { type: "output_text", text, annotations: [], logprobs: [] } : { type: "reasoning_text", text };
  }

  private toolCall(call: { index: number; id?: string; function?: { name?: string; arguments?: string } }): string {
    let out = "";
    let open = this.open;
    if (open?.kind !== "tool" || open.call !== call.index) {
      out += this.close();
      const index = this.nextIndex++;
      const id = this.ids.call(index);
      open = { kind: "tool", index, id, callId: call.id ?? `call_${id.slice(3)}`, name: call.function?.name ?? "", args: "", call: call.index };
      this.open = open;
      out += this.emit({ type: "response.output_item.added", output_index: index, item: functionCallItem(id, open.callId, open.name, "", "in_progress") });
    }
    const args = call.function?.arguments;
    if (args) {
      open.args += args;
      out += `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","item_id":${JSON.stringify(open.id)},"output_index":${open.index},"delta":${JSON.stringify(args)},"sequence_number":${this.seq++}}\n\n`;
    }
    return out;
  }

  private close(): string {
    const open = this.open;
    if (!open) return "";
    this.open = null;
    let out = "";
    let item: Json;
    if (open.kind === "tool") {
      out += this.emit({ type: "response.function_call_arguments.done", item_id: open.id, output_index: open.index, name: open.name, arguments: open.args });
      item = functionCallItem(open.id, open.callId, open.name, open.args);
    } else {
      const doneType = open.kind === "text" ? "response.output_text.done" : "response.reasoning_text.done";
      const extra = open.kind === "text" ? { logprobs: [] } : {};
      out += this.emit({ type: doneType, item_id: open.id, output_index: open.index, content_index: 0, text: open.text, ...extra });
      out += this.emit({
        type: "response.content_part.done",
        item_id: open.id,
        output_index: open.index,
        content_index: 0,
        part: this.part(open.kind, open.text),
      });
      item = open.kind === "text" ? messageItem(open.id, open.text) : reasoningItem(open.id, open.text);
    }
    this.output.push(item);
    return out + this.emit({ type: "response.output_item.done", output_index: open.index, item });
  }
}
