import type { EventStreamCodec, Message } from "@smithy/core/event-streams";
import { badUpstream } from "../errors.ts";
import { bodyReads, type StreamBody } from "../upstream-body.ts";

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
 * AWS event-stream messages (`application/vnd.amazon.eventstream`) from a byte stream: the
 * messages each network read completes, as one array (none when it completes none). Network
 * reads split and join frames anywhere, so this only finds frame boundaries from each frame's
 * 4-byte length prefix and keeps the one incomplete frame; decoding and both CRC checks are the
 * maintained codec's job. Memory is one frame, however long the stream.
 */
export async function* eventStreamBatches(stream: StreamBody, provider: string): AsyncGenerator<EventMessage[]> {
  const codec = await loadCodec();
  const lengthPrefix = new Uint8Array(4);
  let prefixFilled = 0;
  let frame: Uint8Array | null = null;
  let filled = 0;
  for await (const value of bodyReads(stream)) {
    const batch: EventMessage[] = [];
    let offset = 0;
    try {
      while (offset < value.length) {
        if (!frame) {
          const take = Math.min(4 - prefixFilled, value.length - offset);
          lengthPrefix.set(value.subarray(offset, offset + take), prefixFilled);
          prefixFilled += take;
          offset += take;
          if (prefixFilled < 4) break;
          const total = new DataView(lengthPrefix.buffer).getUint32(0, false);
          if (total < MIN_FRAME || total > MAX_FRAME) throw badUpstream(provider, `event-stream frame length ${total} is out of range`);
          frame = new Uint8Array(total);
          frame.set(lengthPrefix, 0);
          filled = 4;
          prefixFilled = 0;
        }
        const take = Math.min(frame.length - filled, value.length - offset);
        frame.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frame.length) {
          const complete = frame;
          frame = null;
          batch.push(decode(codec, complete, provider));
        }
      }
    } catch (e) {
      // The messages before a bad frame still reach the client, ahead of the error.
      if (batch.length > 0) yield batch;
      throw e;
    }
    if (batch.length > 0) yield batch;
  }
  if (frame || prefixFilled > 0) throw badUpstream(provider, "the event stream ended in the middle of a frame");
}

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
