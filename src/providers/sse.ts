import { createParser, type EventSourceMessage } from "eventsource-parser";
import { bodyReads, type StreamBody } from "./upstream-body.ts";

/**
 * Server-sent events from a byte stream: the events of each network read as one array, as they
 * arrive (a read that completes no event gives none). One step per read, not per event: a
 * 20-chunk answer that arrives in one read costs one await, not twenty. Holds at most one read's
 * worth of events, so memory stays constant however long the stream runs.
 */
export async function* sseBatches(stream: StreamBody): AsyncGenerator<EventSourceMessage[]> {
  let pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e) });
  const decoder = new TextDecoder();
  for await (const bytes of bodyReads(stream)) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (pending.length === 0) continue;
    const batch = pending;
    pending = [];
    yield batch;
  }
  parser.feed(decoder.decode());
  // A last event without its blank line is still an event the upstream meant to send.
  parser.feed("\n\n");
  if (pending.length > 0) yield pending;
}
