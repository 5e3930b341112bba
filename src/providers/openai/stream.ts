import type { EventSourceMessage } from "eventsource-parser";
import { badUpstream, UpstreamError } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import type { StreamChunk, Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { errorFromBody } from "./errors.ts";

/**
 * An OpenAI-dialect stream: each event is already a chunk, relayed byte for byte (`raw` is the
 * event's own text), after a check that it is one. The stream ends at `[DONE]`.
 */
export class Translator implements StreamTranslator<EventSourceMessage> {
  done = false;
  private readonly provider: string;

  constructor(target: Target) {
    this.provider = target.provider.name;
  }

  translate(event: EventSourceMessage, out: StreamChunk[]): void {
    const data = event.data;
    if (data === "[DONE]") {
      this.done = true;
      return;
    }
    const chunk = parseUpstreamJson(data, this.provider, "stream event");
    if (chunk && typeof chunk === "object" && chunk.error) {
      throw new UpstreamError(errorFromBody(chunk.error, 502, new Headers()));
    }
    if (!chunk || typeof chunk !== "object" || !Array.isArray(chunk.choices)) {
      throw badUpstream(this.provider, "stream chunk has no choices array");
    }
    out.push({ chunk, raw: data });
  }

  // OpenAI-dialect streams always end with [DONE]; without it the answer was cut off.
  finish(): void {
    if (!this.done) throw badUpstream(this.provider, "the stream ended without [DONE]");
  }
}
