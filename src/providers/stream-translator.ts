import type { StreamChunk } from "./types.ts";

/**
 * One protocol's stream, translated event by event into OpenAI chunks. Each protocol's stream.ts
 * implements it; `translateStream` drives every one of them, so reading, early stops and the
 * order of chunks around an error are the same for all.
 *
 * The translator appends to `out` instead of returning arrays: the driver reuses one array for
 * the whole stream, so no allocation is added per event.
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
 * The chunks of a translated stream. `events` is the decoded body (sseEvents, or
 * eventStreamMessages for Bedrock), whose generator cancels the upstream when this stops early.
 * Chunks a translator appended before it threw still reach the client, ahead of the error.
 */
export async function* translateStream<Event>(events: AsyncIterable<Event>, translator: StreamTranslator<Event>): AsyncGenerator<StreamChunk> {
  const out: StreamChunk[] = [];
  let failure: { error: unknown } | null = null;
  for await (const event of events) {
    try {
      translator.translate(event, out);
    } catch (error) {
      failure = { error };
    }
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
    if (failure) throw failure.error;
    if (translator.done) break;
  }
  try {
    translator.finish(out);
  } catch (error) {
    failure = { error };
  }
  for (let i = 0; i < out.length; i++) yield out[i]!;
  if (failure) throw failure.error;
}
