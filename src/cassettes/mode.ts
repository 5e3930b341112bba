import { recordingFetch } from "./record.ts";
import { type ReplayTiming, replayingFetch } from "./replay.ts";
import { CassetteWriter, loadCassettes } from "./store.ts";

/** `serve --record DIR` or `serve --replay DIR [--replay-timing real|none]`. */
export type CassetteMode = { record: string } | { replay: string; timing: ReplayTiming };

export interface CassetteFetch {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Replay: nothing leaves the machine, so a target needs no key. */
  offline: boolean;
  /** What `serve` says at start about the mode. */
  summary: string;
  /** Resolves once every recording made so far is written (at once when replaying). */
  settled(): Promise<void>;
}

/** The engine's upstream fetch for a cassette mode; a replay folder is read (and checked) here, once. */
export function cassetteFetch(mode: CassetteMode, log: (line: string) => void): CassetteFetch {
  if ("record" in mode) {
    const writer = new CassetteWriter(mode.record, log);
    return {
      fetch: recordingFetch(writer),
      offline: false,
      summary: `recording every upstream answer to the cassette ${mode.record}`,
      settled: () => writer.settled(),
    };
  }
  const cassettes = loadCassettes(mode.replay);
  return {
    fetch: replayingFetch(cassettes, mode.replay, mode.timing),
    offline: true,
    summary: `replaying upstream answers from the cassette ${mode.replay} (${cassettes.size} recorded requests, timing ${mode.timing}): no network, no provider keys needed`,
    settled: () => Promise.resolve(),
  };
}
