import type { Usage } from "../../openai/schema.ts";
import type { MappedError, StreamChunk } from "../../providers/types.ts";
import { anthropicError } from "./errors.ts";
import { messageId, messagesUsage, type StopReason, stopReason } from "./response.ts";

const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

type Open = { kind: "text" } | { kind: "thinking" } | { kind: "tool"; call: number } | null;

/**
 * OpenAI chunks → Anthropic's stream, event for event as the Messages API sends it:
 * `message_start`, then per content block `content_block_start`, its deltas (`text_delta`,
 * `thinking_delta`, `input_json_delta`) and `content_block_stop`, then
 * `message_delta` (stop_reason, the whole usage, and the engine's extras `_cost`, `_latency_ms`,
 * `_routing`) and `message_stop`. A failure after the start is an `error` event with Anthropic's
 * error object.
 *
 * A block is open until a chunk brings content of another kind: reasoning_content is a thinking
 * block, content a text block, each new tool call (a delta with an `id`) a tool_use block whose
 * arguments stream as `input_json_delta` pieces, unchanged, so the client's concatenation is the
 * upstream's JSON. Thinking here is another provider's reasoning text: it has no signature
 * (Anthropic targets take the native path, native.ts).
 *
 * Memory: a few counters and the map of tool-call indexes to block indexes; no text is kept.
 */
export class MessagesStreamEncoder {
  private started = false;
  private next = 0;
  private open: Open = null;
  /** OpenAI tool-call index → content block index. */
  private readonly toolBlocks = new Map<number, number>();
  private stop: StopReason = "end_turn";
  private model = "";

  constructor(
    private readonly traceId: string,
    private readonly requestedModel: string,
  ) {}

  chunk(sc: StreamChunk): string {
    const { chunk } = sc;
    let out = this.started ? "" : this.start(chunk.id, chunk.model);
    const choice = chunk.choices[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") {
      out += this.ensure({ kind: "thinking" }, { type: "thinking", thinking: "", signature: "" });
      out += this.delta({ type: "thinking_delta", thinking: delta.reasoning_content });
    }
    const text = typeof delta.content === "string" ? delta.content : typeof delta.refusal === "string" ? delta.refusal : "";
    if (text !== "") {
      out += this.ensure({ kind: "text" }, { type: "text", text: "" });
      out += this.delta({ type: "text_delta", text });
    }
    for (const call of delta.tool_calls ?? []) out += this.toolCall(call);
    if (choice.finish_reason) this.stop = stopReason(choice.finish_reason);
    return out;
  }

  end(usage: Usage | null, extras: Record<string, unknown>): string {
    let out = this.started ? "" : this.start(undefined, undefined);
    out += this.close();
    out += event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: this.stop, stop_sequence: null },
      usage: messagesUsage(usage),
      ...extras,
    });
    return out + event("message_stop", { type: "message_stop" });
  }

  fail(mapped: MappedError): string {
    return event("error", anthropicError(mapped).body);
  }

  private start(upstreamId: string | undefined, model: string | undefined): string {
    this.started = true;
    this.model = model || this.requestedModel;
    return event("message_start", {
      type: "message_start",
      message: {
        id: messageId(upstreamId, this.traceId),
        type: "message",
        role: "assistant",
        model: this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Known only at the end for most upstreams: message_delta carries the whole usage.
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
  }

  private toolCall(call: { index: number; id?: string; function?: { name?: string; arguments?: string } }): string {
    let out = "";
    let block = this.toolBlocks.get(call.index);
    if (block === undefined) {
      out += this.close();
      block = this.next++;
      this.toolBlocks.set(call.index, block);
      this.open = { kind: "tool", call: call.index };
      out += event("content_block_start", {
        type: "content_block_start",
        index: block,
        content_block: {
          type: "tool_use",
          id: call.id ?? `toolu_${this.traceId.replaceAll("-", "")}_${call.index}`,
          name: call.function?.name ?? "",
          input: {},
        },
      });
    }
    const args = call.function?.arguments;
    if (args) {
      // Arguments of a call whose block has closed (an upstream that interleaves calls) still go to
      // their own block: the SDKs add each delta to the block its index names.
      out += event("content_block_delta", { type: "content_block_delta", index: block, delta: { type: "input_json_delta", partial_json: args } });
    }
    return out;
  }

  /** Opens a block of this kind unless one is open already. */
  private ensure(kind: NonNullable<Open>, contentBlock: Record<string, unknown>): string {
    if (this.open?.kind === kind.kind) return "";
    const out = this.close();
    this.open = kind;
    return out + event("content_block_start", { type: "content_block_start", index: this.next++, content_block: contentBlock });
  }

  private delta(delta: Record<string, unknown>): string {
    return event("content_block_delta", { type: "content_block_delta", index: this.next - 1, delta });
  }

  private close(): string {
    if (!this.open) return "";
    const index = this.open.kind === "tool" ? this.toolBlocks.get(this.open.call)! : this.next - 1;
    this.open = null;
    return event("content_block_stop", { type: "content_block_stop", index });
  }
}
