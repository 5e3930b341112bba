import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk } from "../../openai/schema.ts";
import { TextFrames } from "../../openai/text-frames.ts";
import { badUpstream, upstreamFailure } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import type { StreamChunk, Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { toFinishReason } from "./finish-reason.ts";
import { toOpenAIUsage } from "./usage.ts";
import { PROVIDER } from "./wire.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * Cohere v2 stream events → OpenAI chunks, one event at a time. What is kept between events is
 * bounded by the answer's tool calls and citations, never by its text.
 *
 * - `message-start` → the role chunk; text and `tool-plan-delta` → `content`; thinking → `reasoning_content`
 * - `tool-call-*` → `tool_calls` deltas, each call on its own index in the order calls start
 * - citations ride on the finish chunk's delta (the OpenAI SDK's stream accumulator keeps only
 *   the last value of an extra delta field, so they are sent once, all together)
 * - `message-end` → the finish chunk, then a `choices: []` chunk with the usage
 */
export class Translator implements StreamTranslator<EventSourceMessage> {
  done = false;
  private ended = false;
  private id = `chatcmpl-${crypto.randomUUID()}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly calls = new ToolCallSlots();
  private readonly citations: unknown[] = [];
  private readonly frames = new TextFrames();

  constructor(private readonly target: Target) {}

  translate(sse: EventSourceMessage, out: StreamChunk[]): void {
    if (sse.data === "[DONE]") {
      this.done = true;
      return;
    }
    const event = parseEvent(sse.data);
    switch (event.type) {
      case "message-start":
        if (typeof event.id === "string" && event.id) this.id = event.id;
        out.push(this.delta({ role: "assistant", content: "" }));
        break;
      case "content-start":
      case "content-delta": {
        const content = event.delta?.message?.content;
        if (typeof content?.text === "string" && content.text) out.push(this.text(content.text));
        if (typeof content?.thinking === "string" && content.thinking) out.push(this.delta({ reasoning_content: content.thinking }));
        break;
      }
      case "tool-plan-delta": {
        const plan = event.delta?.message?.tool_plan;
        if (typeof plan === "string" && plan) out.push(this.delta({ content: plan }));
        break;
      }
      case "tool-call-start": {
        const call = event.delta?.message?.tool_calls;
        const args = typeof call?.function?.arguments === "string" ? call.function.arguments : "";
        const index = this.calls.open(event.index, args !== "");
        out.push(
          this.delta({
            tool_calls: [
              { index, id: String(call?.id ?? ""), type: "function", function: { name: String(call?.function?.name ?? ""), arguments: args } } as any,
            ],
          }),
        );
        break;
      }
      case "tool-call-delta": {
        const args = event.delta?.message?.tool_calls?.function?.arguments;
        if (typeof args === "string" && args) out.push(this.delta({ tool_calls: [{ index: this.calls.append(event.index), function: { arguments: args } }] }));
        break;
      }
      case "tool-call-end": {
        // A call without parameters streams no arguments at all; clients JSON.parse what they get.
        const index = this.calls.close(event.index);
        if (index !== null) out.push(this.delta({ tool_calls: [{ index, function: { arguments: "{}" } }] }));
        break;
      }
      case "citation-start": {
        const citation = event.delta?.message?.citations;
        if (citation) this.citations.push(citation);
        break;
      }
      case "message-end": {
        const end = event.delta ?? {};
        this.done = true;
        this.ended = true;
        const finish = toFinishReason(end.finish_reason, end.error);
        out.push(this.delta(this.citations.length ? { citations: this.citations } : {}, finish));
        const usage = toOpenAIUsage(end.usage);
        if (usage) out.push(this.chunk([], { usage }));
        break;
      }
      default:
        // content-end, citation-end, debug, and event types added after this was written.
        break;
    }
  }

  finish(): void {
    if (!this.ended) throw badUpstream(PROVIDER, "the stream ended before its message-end event");
  }

  private chunk(choices: ChatCompletionChunk["choices"], extra: Partial<ChatCompletionChunk> = {}): StreamChunk {
    return { chunk: { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.target.model, choices, ...extra } };
  }

  private delta(d: Delta, finish: string | null = null): StreamChunk {
    return this.chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
  }

  private text(content: string): StreamChunk {
    const sc = this.delta({ content });
    sc.raw = this.frames.json(sc.chunk);
    return sc;
  }
}

function parseEvent(data: string): any {
  const event = parseUpstreamJson(data, PROVIDER, "stream event");
  if (!event || typeof event !== "object") throw badUpstream(PROVIDER, "stream event is not an object");
  if (typeof event.type !== "string" && typeof event.message === "string") {
    // An error reported inside the stream, in Cohere's error shape.
    throw upstreamFailure("stream_error", event.message);
  }
  return event;
}

/** Cohere's event index of each tool call → the OpenAI index (order of appearance), and whether it sent arguments. */
class ToolCallSlots {
  private readonly slots = new Map<unknown, { index: number; hasArgs: boolean }>();

  open(key: unknown, hasArgs: boolean): number {
    const index = this.slots.size;
    this.slots.set(key ?? index, { index, hasArgs });
    return index;
  }

  append(key: unknown): number {
    const slot = this.slot(key);
    slot.hasArgs = true;
    return slot.index;
  }

  /** The index to complete with "{}" when the call sent no arguments, else null. */
  close(key: unknown): number | null {
    const slot = this.slot(key);
    if (slot.hasArgs) return null;
    slot.hasArgs = true;
    return slot.index;
  }

  private slot(key: unknown) {
    const slot = this.slots.get(key ?? this.slots.size - 1);
    if (!slot) throw badUpstream(PROVIDER, `tool call event for index ${String(key)} before its tool-call-start`);
    return slot;
  }
}
