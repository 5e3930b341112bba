import type { StreamChunk } from "./types.ts";

/**
 * One protocol's stream, translated event by event into OpenAI chunks. Each protocol's stream.ts
 * implements it; `translateStream` drives every one of them, so reading, early stops and the
 * order of chunks around an error are the same for all.
 */
export interface StreamTranslator<Event> {
  /** Appends the chunks one upstream event becomes (often none). Throws UpstreamError for an error event. */
  translate(event: Event, out: StreamChunk[]): void;
  /** The upstream sent its last event: the rest of the body is not read. */
  readonly done: boolean;
  /** Appends what is owed once the events end (a usage chunk, say), or throws when the answer was cut off. */
  finish(out: StreamChunk[]): void;
}

/**
 * The chunks of a translated stream, one array per network read, never empty. `batches` is the
 * decoded body, a read's events at a time (sseBatches, or eventStreamBatches for Bedrock), whose
 * generator cancels the upstream when this stops early. Chunks a translator appended before it
 * threw still reach the client, ahead of the error.
 *
 * A read's worth at a time because every step of an async generator costs a promise and a
 * microtask: per chunk, the layers between the socket and the client were a third of a stream's CPU.
 */
export async function* translateStream<Event>(batches: AsyncIterable<Event[]>, translator: StreamTranslator<Event>): AsyncGenerator<StreamChunk[]> {
  let failure: { error: unknown } | null = null;
  for await (const events of batches) {
    const out: StreamChunk[] = [];
    for (let i = 0; i < events.length && !translator.done; i++) {
      try {
        translator.translate(events[i]!, out);
      } catch (error) {
        failure = { error };
        break;
      }
    }
    if (out.length > 0) yield out;
    if (failure) throw failure.error;
    if (translator.done) break;
  }
  const out: StreamChunk[] = [];
  try {
    translator.finish(out);
  } catch (error) {
    failure = { error };
  }
  if (out.length > 0) yield out;
  if (failure) throw failure.error;
}
