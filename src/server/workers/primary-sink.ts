import type { TraceBatch } from "../../traces/batch.ts";
import type { TraceSink } from "../../traces/file-sink.ts";
import type { ToPrimary } from "./messages.ts";

/**
 * A worker's trace sink: each batch goes to the primary as JSON lines (made here, in the
 * writer's background turn, never on the request path), and the primary writes it. The channel
 * is ordered and lossless while both processes live, so a batch is "stored" once it is sent.
 */
export class PrimarySink implements TraceSink {
  readonly kind = "worker";
  // As the local store: a record held longer is promoted to the old generation (file-sink.ts).
  readonly flushMs = 1;

  constructor(private readonly send: (m: ToPrimary) => void) {}

  async write(batch: TraceBatch): Promise<void> {
    this.send({ t: "traces", lines: batch.lines() });
  }

  async close(): Promise<void> {}
}
