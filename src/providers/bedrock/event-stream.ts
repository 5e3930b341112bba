import type { EventStreamCodec, Message } from "@smithy/core/event-streams";
import { badUpstream } from "../errors.ts";
import type { EventDecoder } from "../stream-translator.ts";

// Loaded on the first Bedrock stream: the codec costs ~6 MB of memory an engine without Bedrock never needs.
let codec: EventStreamCodec | null = null;
async function loadCodec(): Promise<EventStreamCodec> {
  if (!codec) {
    const { EventStreamCodec } = await import("@smithy/core/event-streams");
    // The codec wants its UTF-8 coders passed in; the platform's are the ones to use.
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    codec = new EventStreamCodec(
      (bytes) => decoder.decode(bytes),
      (text) => encoder.encode(text),
    );
  }
  return codec;
}

/** Prelude (total length, headers length, prelude CRC) plus the message CRC: the smallest frame. */
const MIN_FRAME = 16;
/** The event-stream format caps a message at 16 MiB; a larger length means the bytes are not a frame. */
const MAX_FRAME = 16 * 1024 * 1024;

export type EventMessage = Message;

/**
 * AWS event-stream messages (`application/vnd.amazon.eventstream`) from an upstream's bytes, as
 * each network read completes them. Network reads split and join frames anywhere, so this only
 * finds frame boundaries from each frame's 4-byte length prefix and keeps the one incomplete
 * frame; decoding and both CRC checks are the maintained codec's job. Memory is one frame,
 * however long the stream.
 */
export class EventStreamDecoder implements EventDecoder<EventMessage> {
  private readonly lengthPrefix = new Uint8Array(4);
  private prefixFilled = 0;
  private frame: Uint8Array | null = null;
  private filled = 0;

  constructor(
    private readonly codec: EventStreamCodec,
    private readonly provider: string,
  ) {}

  push(value: Uint8Array, out: EventMessage[]): void {
    let offset = 0;
    while (offset < value.length) {
      if (!this.frame) {
        const take = Math.min(4 - this.prefixFilled, value.length - offset);
        this.lengthPrefix.set(value.subarray(offset, offset + take), this.prefixFilled);
        this.prefixFilled += take;
        offset += take;
        if (this.prefixFilled < 4) return;
        const total = new DataView(this.lengthPrefix.buffer).getUint32(0, false);
        if (total < MIN_FRAME || total > MAX_FRAME) throw badUpstream(this.provider, `event-stream frame length ${total} is out of range`);
        this.frame = new Uint8Array(total);
        this.frame.set(this.lengthPrefix, 0);
        this.filled = 4;
        this.prefixFilled = 0;
      }
      const take = Math.min(this.frame.length - this.filled, value.length - offset);
      this.frame.set(value.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frame.length) {
        const complete = this.frame;
        this.frame = null;
        out.push(decode(this.codec, complete, this.provider));
      }
    }
  }

  end(): void {
    if (this.frame || this.prefixFilled > 0) throw badUpstream(this.provider, "the event stream ended in the middle of a frame");
  }
}

/** A decoder for one stream, once the codec is loaded. */
export const eventStreamDecoder = async (provider: string): Promise<EventStreamDecoder> => new EventStreamDecoder(await loadCodec(), provider);

function decode(codec: EventStreamCodec, frame: Uint8Array, provider: string): EventMessage {
  try {
    return codec.decode(frame);
  } catch (e: any) {
    throw badUpstream(provider, `undecodable event-stream frame (${e?.message ?? e})`);
  }
}

/** A string header's value (`:event-type`, `:message-type`, ...), or undefined. */
export function headerText(message: EventMessage, name: string): string | undefined {
  const h = message.headers[name];
  return h && h.type === "string" ? h.value : undefined;
}
