import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk } from "../../openai/schema.ts";
import { TextFrames } from "../../openai/text-frames.ts";
import { badUpstream } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import type { StreamChunk } from "../types.ts";
import { isErrorBody, streamError } from "./errors.ts";
import { toFinishReason } from "./finish-reason.ts";
import { refusalText } from "./response.ts";
import { THINKING_FIELD } from "./thinking-blocks.ts";
import { mergeUsage, toOpenAIUsage } from "./usage.ts";
import type { NativeUsage, ReasoningBlock, ThinkingBlock } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];
type BlockState =
  | { kind: "text" }
  | { kind: "thinking"; block: ThinkingBlock | null }
  | { kind: "tool"; toolIndex: number; argued: boolean }
  | { kind: "other" };

/**
 * Anthropic's stream (message_start, content_block_start/delta/stop, message_delta, message_stop,
 * ping, error) → OpenAI chunks, one event at a time. Text and thinking deltas pass straight
 * through as `content` / `reasoning_content`; each tool_use block becomes one tool call whose
 * `index` counts tool calls (not content blocks, which also number text and thinking) and whose
 * arguments stream as the partial JSON Anthropic sends. The finish chunk and then a usage chunk
 * (`choices: []`) close the stream at message_stop. An `error` event throws UpstreamError, so the
 * client gets an error event instead of a stream that just stops; so does a stream that ends
 * without message_stop (the connection broke mid-answer).
 *
 * Memory: besides a few counters, the only thing held beyond the current event is the answer's
 * thinking (text and signatures) until its first tool call starts, because that call carries it
 * back to the client (thinking-blocks.ts); after that no thinking is kept. Finished blocks are
 * forgotten at content_block_stop.
 */
export class Translator implements StreamTranslator<EventSourceMessage> {
  done = false;
  private id = `msg_${crypto.randomUUID()}`;
  private model = "";
  private created = Math.floor(Date.now() / 1000);
  private opened = false;
  private usage: NativeUsage = {};
  private stopReason: unknown = null;
  private refusal: string | undefined;
  private readonly blocks = new Map<number, BlockState>();
  private reasoning: ReasoningBlock[] = [];
  private toolCount = 0;
  private readonly textFrames = new TextFrames();

  translate(sse: EventSourceMessage, out: StreamChunk[]): void {
    const event = parseUpstreamJson(sse.data, PROVIDER, `stream event '${sse.event ?? "message"}'`);
    if (isErrorBody(event)) throw streamError(event);
    switch (event?.type) {
      case "message_start": {
        const msg = event.message ?? {};
        if (typeof msg.id === "string") this.id = msg.id;
        if (typeof msg.model === "string") this.model = msg.model;
        this.usage = mergeUsage(this.usage, msg.usage);
        if (!this.opened) out.push({ chunk: this.open() });
        break;
      }
      case "content_block_start":
        this.startBlock(event.index, event.content_block ?? {}, out);
        break;
      case "content_block_delta":
        this.blockDelta(event.index, event.delta ?? {}, out);
        break;
      case "content_block_stop":
        this.stopBlock(event.index, out);
        break;
      case "message_delta":
        if (event.delta?.stop_reason != null) this.stopReason = event.delta.stop_reason;
        this.refusal = refusalText(event.delta ?? {}) ?? this.refusal;
        this.usage = mergeUsage(this.usage, event.usage);
        break;
      case "message_stop":
        if (!this.opened) out.push({ chunk: this.open() });
        out.push({ chunk: this.chunk(this.refusal ? { refusal: this.refusal } : {}, toFinishReason(this.stopReason)) });
        out.push({ chunk: { ...this.chunk({}, null), choices: [], usage: toOpenAIUsage(this.usage) } });
        this.done = true;
        break;
      // ping and event types added later carry nothing for the client.
    }
  }

  finish(): void {
    if (!this.done) throw badUpstream(PROVIDER, "the stream ended before message_stop");
  }

  private emit(delta: Delta, out: StreamChunk[]): void {
    if (!this.opened) out.push({ chunk: this.open() });
    out.push({ chunk: this.chunk(delta, null) });
  }

  private emitText(text: string, out: StreamChunk[]): void {
    if (!this.opened) out.push({ chunk: this.open() });
    const chunk = this.chunk({ content: text }, null);
    out.push({ chunk, raw: this.textFrames.json(chunk) });
  }

  private startBlock(index: number, block: any, out: StreamChunk[]): void {
    switch (block.type) {
      case "text":
        this.blocks.set(index, { kind: "text" });
        if (typeof block.text === "string" && block.text) this.emitText(block.text, out);
        return;
      case "thinking": {
        const kept = this.keepsReasoning() ? { type: "thinking" as const, thinking: block.thinking ?? "", signature: block.signature ?? "" } : null;
        if (kept) this.reasoning.push(kept);
        this.blocks.set(index, { kind: "thinking", block: kept });
        if (block.thinking) this.emit({ reasoning_content: block.thinking }, out);
        return;
      }
      case "redacted_thinking":
        if (this.keepsReasoning()) this.reasoning.push({ type: "redacted_thinking", data: block.data ?? "" });
        this.blocks.set(index, { kind: "other" });
        return;
      case "tool_use": {
        const toolIndex = this.toolCount++;
        this.blocks.set(index, { kind: "tool", toolIndex, argued: false });
        const call: Record<string, unknown> = { index: toolIndex, id: block.id, type: "function", function: { name: block.name, arguments: "" } };
        if (toolIndex === 0 && this.reasoning.length) call[THINKING_FIELD] = this.reasoning;
        this.reasoning = [];
        this.emit({ tool_calls: [call as NonNullable<Delta["tool_calls"]>[number]] }, out);
        return;
      }
      default:
        this.blocks.set(index, { kind: "other" });
    }
  }

  private blockDelta(index: number, delta: any, out: StreamChunk[]): void {
    const state = this.blocks.get(index);
    switch (delta.type) {
      case "text_delta":
        if (typeof delta.text === "string" && delta.text) this.emitText(delta.text, out);
        return;
      case "thinking_delta":
        if (state?.kind === "thinking" && state.block) state.block.thinking += delta.thinking ?? "";
        if (delta.thinking) this.emit({ reasoning_content: delta.thinking }, out);
        return;
      case "signature_delta":
        if (state?.kind === "thinking" && state.block) state.block.signature += delta.signature ?? "";
        return;
      case "input_json_delta":
        if (state?.kind === "tool" && delta.partial_json) {
          state.argued = true;
          this.emit({ tool_calls: [{ index: state.toolIndex, function: { arguments: delta.partial_json } }] }, out);
        }
        return;
    }
  }

  /** A tool called without arguments streams no JSON at all; OpenAI's arguments are then "{}", as in a full response. */
  private stopBlock(index: number, out: StreamChunk[]): void {
    const state = this.blocks.get(index);
    if (state?.kind === "tool" && !state.argued) this.emit({ tool_calls: [{ index: state.toolIndex, function: { arguments: "{}" } }] }, out);
    this.blocks.delete(index);
  }

  /** Thinking is kept only until the first tool call takes it; after that nothing could carry it. */
  private keepsReasoning(): boolean {
    return this.toolCount === 0;
  }

  private open(): ChatCompletionChunk {
    this.opened = true;
    return this.chunk({ role: "assistant", content: "" }, null);
  }

  private chunk(delta: Delta, finish: string | null): ChatCompletionChunk {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
  }
}
