import type { TraceSummary } from "./queries.ts";
import type { TraceRecord } from "./record.ts";

/** Gets each finished trace's summary row, and the same row as JSON (serialised once for all listeners). */
export type LiveListener = (row: TraceSummary, json: string) => void;

/**
 * Finished traces, as they finish, for whoever listens (the UI's live view, /api/traces/live).
 * `publish` runs on every request's path, so with nobody listening it is one size check: no row
 * is built and nothing is serialised for a UI that is not open.
 */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();

  get listening(): number {
    return this.listeners.size;
  }

  /** Called when the first listener arrives and when the last one leaves (a worker tells its primary). */
  onListening: ((listening: boolean) => void) | null = null;

  publish(record: TraceRecord): void {
    if (this.listeners.size === 0) return;
    this.publishRow(summaryOf(record));
  }

  /** A row from elsewhere (another worker's finished trace, relayed by the primary). */
  publishRow(row: TraceSummary): void {
    if (this.listeners.size === 0) return;
    const json = JSON.stringify(row);
    for (const listener of this.listeners) {
      try {
        listener(row, json);
      } catch {
        // One broken listener (a closed stream) must not fail the request that published, nor the others.
      }
    }
  }

  /** Returns the unsubscribe. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.onListening?.(true);
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.onListening?.(false);
    };
  }
}

/** The row /api/traces returns for this record (TraceSummary), taken from the record itself. */
export function summaryOf(r: TraceRecord): TraceSummary {
  return {
    id: r.id,
    ts_start: r.ts_start,
    requested_model: r.requested_model,
    selected_model: r.selected_model,
    alias: r.alias,
    provider: r.provider,
    status: r.status,
    http_status: r.http_status,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    cost_usd: r.cost_usd,
    latency_ms: r.latency_ms,
    ttft_ms: r.ttft_ms,
    token_name: r.token_name,
    user: r.user,
    session_id: r.session_id,
    tags: r.tags,
    error_type: r.error_type,
  };
}
