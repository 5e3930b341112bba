import { createParser, type EventSourceMessage } from "eventsource-parser";

/**
 * Server-sent events from a byte stream, one at a time, as they arrive. Holds at most one
 * network read's worth of events, so memory stays constant however long the stream runs.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      parser.feed(decoder.decode(value, { stream: true }));
      while (pending.length) yield pending.shift()!;
    }
    parser.feed(decoder.decode());
    // A last event without its blank line is still an event the upstream meant to send.
    parser.feed("\n\n");
    while (pending.length) yield pending.shift()!;
  } finally {
    // A consumer that stops early (client gone, [DONE] seen) must not leave the upstream open.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
