import { recordingFetch } from "./record.ts";
import { type ReplayTiming, replayingFetch } from "./replay.ts";
import { CassetteWriter, cassetteFiles, loadCassettes } from "./store.ts";

/** `serve --record DIR` or `serve --replay DIR [--replay-timing real|none]`. */
export type CassetteMode = { record: string } | { replay: string; timing: ReplayTiming };

/** What `serve` says about a cassette mode at start. */
export interface CassetteSummary {
  /** Replay: nothing leaves the machine, so a target needs no key. */
  offline: boolean;
  /** Recording: whole prompts and answers are written, whatever the traces' content policy. */
  recording: boolean;
  /** The start-up summary's line about the mode. */
  summary: string;
}

export interface CassetteFetch extends CassetteSummary {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Resolves once every recording made so far is written (at once when replaying). */
  settled(): Promise<void>;
}

const recordSummary = (dir: string) => `recording every upstream answer to the cassette ${dir}`;
const replaySummary = (dir: string, timing: ReplayTiming, recorded: number) =>
  `replaying upstream answers from the cassette ${dir} (${recorded} recorded requests, timing ${timing}): no network, no provider keys needed`;

/** The engine's upstream fetch for a cassette mode; a replay folder is read (and checked) here, once. */
export function cassetteFetch(mode: CassetteMode, log: (line: string) => void): CassetteFetch {
  if ("record" in mode) {
    const writer = new CassetteWriter(mode.record, log);
    return {
      fetch: recordingFetch(writer),
      offline: false,
      recording: true,
      summary: recordSummary(mode.record),
      settled: () => writer.settled(),
    };
  }
  const cassettes = loadCassettes(mode.replay);
  return {
    fetch: replayingFetch(cassettes, mode.replay, mode.timing),
    offline: true,
    recording: false,
    summary: replaySummary(mode.replay, mode.timing, cassettes.size),
    settled: () => Promise.resolve(),
  };
}

/**
 * The summary without the fetch, for the primary of `serve --workers`, which serves nothing: the
 * replay folder's files are counted, not read (each worker reads and checks them).
 */
export function describeCassette(mode: CassetteMode): CassetteSummary {
  if ("record" in mode) return { offline: false, recording: true, summary: recordSummary(mode.record) };
  return { offline: true, recording: false, summary: replaySummary(mode.replay, mode.timing, cassetteFiles(mode.replay).length) };
}
