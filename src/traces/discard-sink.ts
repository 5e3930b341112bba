import type { TraceSink } from "./file-sink.ts";

/**
 * Traces off (`OPENTRACY_TRACES=off`), for an engine used only to route and for measuring what
 * tracing costs. `discards` tells the writer and the request path to skip the work altogether:
 * no record is built, no answer text kept, nothing queued.
 */
export class DiscardSink implements TraceSink {
  readonly kind = "off";
  readonly discards = true;
  async write(): Promise<void> {}
  async close(): Promise<void> {}
}
