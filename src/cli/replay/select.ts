import { RUN_TAG } from "../../server/run-prefix.ts";
import type { TraceListQuery, TraceQueries, TraceSummary } from "../../traces/queries.ts";
import type { TraceRecord } from "../../traces/record.ts";
import type { TagFilter } from "../tag-option.ts";
import { shuffled } from "./sample.ts";

/** The tag a replay puts on its calls beside `run` (the shared convention for runs). */
export const REPLAY_OF_TAG = "replay_of";

/** The filters of `replay`: the store answers all but the second and later tags, checked on each summary's tags. */
export type TraceFilters = Pick<TraceListQuery, "sinceMs" | "untilMs" | "model" | "provider" | "alias" | "user" | "session"> & { tags: TagFilter[] };

const PAGE = 1000;

/**
 * The successful traces that match, newest first, each id once, never an earlier replay's own
 * call (a trace tagged `replay_of`): replaying a replay would compare a model with itself.
 */
async function* matching(queries: TraceQueries, filters: TraceFilters, limit: number): AsyncGenerator<TraceSummary> {
  const { tags, ...query } = filters;
  const [first, ...rest] = tags;
  const seen = new Set<string>();
  let cursor: TraceListQuery["cursor"];
  while (seen.size < limit) {
    const page = await queries.list({ ...query, tag: first, status: "ok", limit: PAGE, cursor });
    for (const row of page.rows) {
      if (seen.has(row.id) || Object.hasOwn(row.tags, REPLAY_OF_TAG)) continue;
      if (!rest.every((t) => Object.hasOwn(row.tags, t.key) && row.tags[t.key] === t.value)) continue;
      seen.add(row.id);
      yield row;
      if (seen.size >= limit) return;
    }
    if (!page.next) return;
    cursor = page.next;
  }
}

/**
 * The ids of the matching traces in the order they are considered: the newest `limit` of them,
 * newest first, or in `seed`'s shuffled order when sampling. Ids only: a record is read when a
 * sender is ready for it, so memory follows the concurrency, not the selection.
 */
export async function candidateIds(queries: TraceQueries, filters: TraceFilters, o: { limit?: number; sample?: boolean; seed: string }): Promise<string[]> {
  const ids: string[] = [];
  for await (const row of matching(queries, filters, o.limit ?? Number.POSITIVE_INFINITY)) ids.push(row.id);
  return o.sample ? shuffled(ids, o.seed) : ids;
}

/** Why a record cannot replay, or null when it can. */
export function unreplayable(record: TraceRecord): "withoutContent" | "notChat" | null {
  // Stored without prompt and answer: content tracing off, or past the content retention.
  if (record.request == null) return "withoutContent";
  // Embeddings, a request kept in its own API's shape, or a trace written before traces kept
  // request_params: replaying its messages without its tools or response_format would compare something else.
  if (record.request_params == null || !Array.isArray(record.request)) return "notChat";
  return null;
}

export interface SelectionCounts {
  /** Candidates looked at (all of them, unless enough were found first). */
  considered: number;
  /** Looked at and already replayed in this run. */
  alreadyReplayed: number;
  withoutContent: number;
  notChat: number;
  /** Handed out to be sent. */
  replayed: number;
}

/** A trace to send and its place in the selection's order. */
export interface Queued {
  index: number;
  record: TraceRecord;
}

/**
 * Hands out the traces to send, in the candidates' order, reading each record only when a sender
 * asks: at most `want` (a sample's size) between those sent and those the run already replayed.
 * A candidate that turns out not to replay gives its place to the next, so a sample is the first
 * `want` in its seeded order that can replay, whatever the concurrency.
 */
export class Selection {
  readonly counts: SelectionCounts = { considered: 0, alreadyReplayed: 0, withoutContent: 0, notChat: 0, replayed: 0 };
  private position = 0;
  private loading = 0;

  constructor(
    private readonly ids: readonly string[],
    private readonly done: ReadonlySet<string>,
    private readonly want: number,
    private readonly load: (id: string) => Promise<TraceRecord | null>,
  ) {}

  /** What the run would send and skip as already replayed if every record can replay: the count announced before sending. */
  plan(): { send: number; alreadyReplayed: number } {
    let send = 0;
    let alreadyReplayed = 0;
    for (const id of this.ids) {
      if (send + alreadyReplayed >= this.want) break;
      if (this.done.has(id)) alreadyReplayed++;
      else send++;
    }
    return { send, alreadyReplayed };
  }

  /** The next trace to send; null once there is none (or the places left are held by records being read). */
  async next(): Promise<Queued | null> {
    for (;;) {
      const c = this.counts;
      if (this.position >= this.ids.length || c.replayed + c.alreadyReplayed + this.loading >= this.want) return null;
      const index = this.position++;
      const id = this.ids[index]!;
      c.considered++;
      if (this.done.has(id)) {
        c.alreadyReplayed++;
        continue;
      }
      this.loading++;
      let record: TraceRecord | null;
      try {
        record = await this.load(id);
      } finally {
        this.loading--;
      }
      if (!record) continue; // removed by retention since it was listed
      const why = unreplayable(record);
      if (why) {
        c[why]++;
        continue;
      }
      c.replayed++;
      return { index, record };
    }
  }
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
