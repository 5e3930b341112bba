import type { TraceSink } from "./file-sink.ts";

/**
 * Traces off (`OPENTRACY_TRACES=off`): batches are dropped unserialised. For an engine used only
 * to route, and for measuring what tracing costs.
 */
export class DiscardSink implements TraceSink {
  readonly kind = "off";
  async write(): Promise<void> {}
  async close(): Promise<void> {}
}
