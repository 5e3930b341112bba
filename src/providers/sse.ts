import { createParser, type EventSourceMessage, type EventSourceParser } from "eventsource-parser";
import type { EventDecoder } from "./stream-translator.ts";

/**
 * Server-sent events from an upstream's bytes, as each network read completes them. Holds at most
 * one incomplete event, so memory stays constant however long the stream runs.
 */
export class SseDecoder implements EventDecoder<EventSourceMessage> {
  private out: EventSourceMessage[] = [];
  private readonly parser: EventSourceParser = createParser({ onEvent: (e) => this.out.push(e) });
  private readonly text = new TextDecoder();

  push(bytes: Uint8Array, out: EventSourceMessage[]): void {
    this.out = out;
    this.parser.feed(this.text.decode(bytes, { stream: true }));
  }

  end(out: EventSourceMessage[]): void {
    this.out = out;
    this.parser.feed(this.text.decode());
    // A last event without its blank line is still an event the upstream meant to send.
    this.parser.feed("\n\n");
  }
}
