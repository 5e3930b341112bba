import type { EventSourceMessage } from "eventsource-parser";
import type { Usage } from "../../openai/schema.ts";
import { anthropicAdapter } from "../../providers/anthropic/index.ts";
import { ANTHROPIC_VERSION } from "../../providers/anthropic/request.ts";
import { Translator } from "../../providers/anthropic/stream.ts";
import { SseDecoder } from "../../providers/sse.ts";
import { type StreamTranslator, translateStream } from "../../providers/stream-translator.ts";
import type { MappedError, ProtocolAdapter, StreamChunk, Target } from "../../providers/types.ts";
import { anthropicError } from "./errors.ts";
import { messagesUsage } from "./response.ts";

/**
 * Same dialect in and out: a Messages request whose target speaks the Messages API itself
 * (protocol `anthropic`) is forwarded as the client wrote it, with only `model` (the target's id)
 * and `stream` set, and the client's `anthropic-version` and `anthropic-beta` headers. Nothing is
 * lost in translation: betas, server tools, documents, redacted thinking, `top_k`, the exact
 * `stop_reason` and `stop_sequence`. The answer goes back as Anthropic's own bytes; the engine
 * still reads it (the adapter's own parser and stream translator) for usage, price and trace.
 */
export interface NativeRequest {
  body: Record<string, unknown>;
  /** The client's `anthropic-version`, else the adapter's. */
  version: string | null;
  /** The client's `anthropic-beta`, forwarded as is (joined with one from config.json's headers). */
  beta: string | null;
}

/** A target that takes the client's Messages request as it is. */
export const speaksMessages = (target: Target): boolean => target.provider.protocol === "anthropic";

/** The Anthropic adapter, but building the upstream request from the client's own and relaying the answer's text. */
export function nativeAdapter(native: NativeRequest): ProtocolAdapter {
  return {
    ...anthropicAdapter,
    relaysAnswerText: true,
    buildRequest: (_body, target, stream) => {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        ...target.headers,
        "anthropic-version": native.version ?? ANTHROPIC_VERSION,
      };
      const beta = [target.headers["anthropic-beta"], native.beta].filter(Boolean).join(",");
      if (beta) headers["anthropic-beta"] = beta;
      if (target.key) headers["x-api-key"] = target.key;
      const body: Record<string, unknown> = { ...native.body, model: target.model };
      if (stream) body.stream = true;
      else delete body.stream;
      return { url: `${target.baseUrl}/v1/messages`, init: { method: "POST", headers, body: JSON.stringify(body) } };
    },
    streamChunks: (body) => translateStream(body, new SseDecoder(), new NativeFrames()),
  };
}

const EMPTY: StreamChunk["chunk"] = { id: "", object: "chat.completion.chunk", created: 0, model: "", choices: [] };

/**
 * The adapter's stream translator, with each upstream event's own frame on the last chunk it
 * became (`StreamChunk.nativeFrame`; an event that becomes no chunk, a ping or a block stop, gets
 * an empty one to carry it). The relay still sees OpenAI chunks for usage and the trace; the
 * client gets the frames.
 */
class NativeFrames implements StreamTranslator<EventSourceMessage> {
  private readonly inner = new Translator();

  get done(): boolean {
    return this.inner.done;
  }

  translate(sse: EventSourceMessage, out: StreamChunk[]): void {
    const from = out.length;
    this.inner.translate(sse, out);
    const frame = `event: ${sse.event ?? "message"}\n${sse.data
      .split("\n")
      .map((l) => `data: ${l}`)
      .join("\n")}\n\n`;
    if (out.length > from) out[out.length - 1]!.nativeFrame = frame;
    else out.push({ chunk: EMPTY, nativeFrame: frame });
  }

  finish(): void {
    this.inner.finish();
  }
}

const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * The relay's encoder for a native stream: every upstream frame as it came, except the last
 * `message_delta`, which gets the extras (`_cost`, `_latency_ms`, `_routing`) once the stream has
 * ended, and `message_stop`, which must follow it.
 */
export class NativeMessagesEncoder {
  private delta: string | null = null;
  private stop: string | null = null;

  chunk(sc: StreamChunk): string {
    const frame = sc.nativeFrame;
    if (!frame) return "";
    if (frame.startsWith("event: message_delta\n")) {
      const earlier = this.delta ?? "";
      this.delta = frame;
      return earlier;
    }
    if (frame.startsWith("event: message_stop\n")) {
      this.stop = frame;
      return "";
    }
    return frame;
  }

  end(usage: Usage | null, extras: Record<string, unknown>): string {
    let data: Record<string, unknown> | null = null;
    if (this.delta) {
      try {
        data = JSON.parse(this.delta.slice(this.delta.indexOf("data: ") + 6));
      } catch {
        data = null;
      }
    }
    data ??= { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: messagesUsage(usage) };
    return event("message_delta", { ...data, ...extras }) + (this.stop ?? event("message_stop", { type: "message_stop" }));
  }

  fail(mapped: MappedError): string {
    return event("error", anthropicError(mapped).body);
  }
}
