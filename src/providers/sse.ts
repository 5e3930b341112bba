import { createParser, type EventSourceMessage } from "eventsource-parser";
import { upstreamBody, type StreamBody } from "./upstream-body.ts";

/**
 * Server-sent events from a byte stream, one at a time, as they arrive. Holds at most one
 * network read's worth of events, so memory stays constant however long the stream runs.
 */
export async function* sseEvents(stream: StreamBody): AsyncGenerator<EventSourceMessage> {
  const body = upstreamBody(stream);
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e) });
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const bytes = await body.read();
      if (!bytes) {
        finished = true;
        break;
      }
      parser.feed(decoder.decode(bytes, { stream: true }));
      // Index walk, not shift(): a read can hold hundreds of events.
      for (let i = 0; i < pending.length; i++) yield pending[i]!;
      pending.length = 0;
    }
    parser.feed(decoder.decode());
    // A last event without its blank line is still an event the upstream meant to send.
    parser.feed("\n\n");
    for (const e of pending) yield e;
  } finally {
    // A consumer that stops early (client gone, [DONE] seen) must not leave the upstream open.
    if (!finished) await body.cancel();
  }
}
