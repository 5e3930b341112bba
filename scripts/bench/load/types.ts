// What one load run reports, whichever generator produced it.

import type { HttpRequest } from "../workload.ts";

export interface LoadSpec {
  req: HttpRequest;
  connections: number;
  durationS: number;
  /** core for the generator itself, or null */
  core: number | null;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  /** answers with a status other than 2xx/3xx */
  non2xx: number;
  /** connect, read, write errors and timeouts */
  socketErrors: number;
  /** of socketErrors: answers slower than the generator's timeout (10 s) */
  timeouts: number;
}

export interface LoadGenerator {
  name: string;
  /** version string for the report */
  version: string;
  /** false when latencies are too coarse for sub-millisecond differences (autocannon: whole ms) */
  fineLatency: boolean;
  run(spec: LoadSpec): Promise<LoadResult>;
}
