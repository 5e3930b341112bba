import { createParser, type EventSourceMessage } from "eventsource-parser";
import { bodyReads, type StreamBody } from "./upstream-body.ts";

/**
 * Server-sent events from a byte stream, one at a time, as they arrive. Holds at most one
 * network read's worth of events, so memory stays constant however long the stream runs.
 */
export async function* sseEvents(stream: StreamBody): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e) });
  const decoder = new TextDecoder();
  for await (const bytes of bodyReads(stream)) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    // Index walk, not shift(): a read can hold hundreds of events.
    for (let i = 0; i < pending.length; i++) yield pending[i]!;
    pending.length = 0;
  }
  parser.feed(decoder.decode());
  // A last event without its blank line is still an event the upstream meant to send.
  parser.feed("\n\n");
  for (const e of pending) yield e;
}
