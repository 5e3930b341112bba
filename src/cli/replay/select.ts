import type { TraceListQuery, TraceQueries, TraceSummary } from "../../traces/queries.ts";
import type { TraceRecord } from "../../traces/record.ts";
import { shuffled } from "./sample.ts";

/** The tags a replay puts on its calls (the shared convention for runs). */
import { RUN_TAG } from "../../server/run-prefix.ts";
export const REPLAY_OF_TAG = "replay_of";

/** The filters of `replay` that the store answers. */
export type TraceFilters = Pick<TraceListQuery, "sinceMs" | "untilMs" | "model" | "provider" | "alias" | "user" | "session" | "tag">;

export interface SelectOptions {
  filters: TraceFilters;
  /** Only the newest `limit` matching traces are considered. */
  limit?: number;
  /** This many at random among those considered, in an order fixed by `seed`. */
  sample?: number;
  seed: string;
  /** Trace ids the run has replayed already: they count towards the sample but are not sent again. */
  done: ReadonlySet<string>;
}

export interface Selection {
  /** The traces to send, each with its recorded request. */
  traces: TraceRecord[];
  /** Matching traces looked at (all of them, unless enough were found first). */
  considered: number;
  /** Looked at and already replayed in this run. */
  alreadyReplayed: number;
  /** Looked at and stored without their prompt and answer (content tracing off, or past the content retention). */
  withoutContent: number;
  /**
   * Looked at and with content, but without `request_params`: embeddings, a request kept in its
   * own API's shape, or a trace written before traces kept them (replaying its messages without
   * its tools or response_format would compare something else).
   */
  notChat: number;
}

const PAGE = 1000;

/**
 * The successful traces that match, newest first, each id once, never an earlier replay's own
 * call (a trace tagged `replay_of`): replaying a replay would compare a model with itself.
 */
async function* matching(queries: TraceQueries, filters: TraceFilters, limit: number): AsyncGenerator<TraceSummary> {
  const seen = new Set<string>();
  let cursor: TraceListQuery["cursor"];
  while (seen.size < limit) {
    const page = await queries.list({ ...filters, status: "ok", limit: PAGE, cursor });
    for (const row of page.rows) {
      if (seen.has(row.id) || Object.hasOwn(row.tags, REPLAY_OF_TAG)) continue;
      seen.add(row.id);
      yield row;
      if (seen.size >= limit) return;
    }
    if (!page.next) return;
    cursor = page.next;
  }
}

export async function selectTraces(queries: TraceQueries, o: SelectOptions): Promise<Selection> {
  const limit = o.limit ?? Number.POSITIVE_INFINITY;
  const want = o.sample ?? Number.POSITIVE_INFINITY;
  const out: Selection = { traces: [], considered: 0, alreadyReplayed: 0, withoutContent: 0, notChat: 0 };
  // A sample needs every candidate before it can draw; otherwise the newest are taken as they come.
  let ids: AsyncIterable<string> | string[];
  if (o.sample !== undefined) {
    const all: string[] = [];
    for await (const row of matching(queries, o.filters, limit)) all.push(row.id);
    ids = shuffled(all, o.seed);
  } else {
    ids = (async function* () {
      for await (const row of matching(queries, o.filters, limit)) yield row.id;
    })();
  }
  for await (const id of ids) {
    if (out.traces.length + out.alreadyReplayed >= want) break;
    out.considered++;
    if (o.done.has(id)) {
      out.alreadyReplayed++;
      continue;
    }
    const record = await queries.get(id);
    if (!record) continue; // removed by retention since it was listed
    if (record.request == null) out.withoutContent++;
    else if (record.request_params == null || !Array.isArray(record.request)) out.notChat++;
    else out.traces.push(record);
  }
  return out;
}

/** The trace ids a run has replayed successfully (its calls' `replay_of` tags): a failed one is tried again. */
export async function replayedIn(queries: TraceQueries, run: string): Promise<Set<string>> {
  const done = new Set<string>();
  let cursor: TraceListQuery["cursor"];
  for (;;) {
    const page = await queries.list({ tag: { key: RUN_TAG, value: run }, status: "ok", limit: PAGE, cursor });
    for (const row of page.rows) {
      const of = row.tags[REPLAY_OF_TAG];
      if (of) done.add(of);
    }
    if (!page.next) return done;
    cursor = page.next;
  }
}
