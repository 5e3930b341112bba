// Picks the load generator: wrk when installed (Debian: apt-get install wrk), else autocannon
// from node_modules. The bench never installs system packages itself.

import { autocannonGenerator } from "./autocannon.ts";
import type { LoadGenerator } from "./types.ts";
import { wrkGenerator } from "./wrk.ts";

export const WRK_HINT = "wrk is not installed; on Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk";

export function pickGenerator(want: "auto" | "wrk" | "autocannon", note: (line: string) => void): LoadGenerator {
  if (want !== "autocannon") {
    const w = wrkGenerator();
    if (w) return w;
    if (want === "wrk") throw new Error(WRK_HINT);
    note(`${WRK_HINT}. Falling back to autocannon (coarser latency, more CPU per request).`);
  }
  const a = autocannonGenerator();
  if (a) return a;
  throw new Error(`no load generator: ${WRK_HINT}; or run npm ci for autocannon`);
}
