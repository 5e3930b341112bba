// Command-line options of `npm run bench`. Defaults are sized so a full run finishes in roughly
// fifteen minutes on the 2-core machines this project runs on; --quick is for trying changes.

import { parseArgs } from "node:util";

export type TargetId = "direct" | "bunproxy" | "bunproxy-js" | "bunproxy-parse" | "opentracy" | "opentracy-ch" | "opentracy-off" | "portkey" | "portkey-bun";
export type Dialect = "openai" | "anthropic";
export type Mode = "nonstream" | "stream";

export const ALL_TARGETS: TargetId[] = [
  "direct",
  "bunproxy",
  "bunproxy-js",
  "bunproxy-parse",
  "opentracy",
  "opentracy-ch",
  "opentracy-off",
  "portkey",
  "portkey-bun",
];

export interface Options {
  rounds: number;
  durationS: number;
  concurrency: number;
  chunks: number;
  ttfbSamples: number;
  targets: TargetId[];
  dialects: Dialect[];
  modes: Mode[];
  pin: boolean;
  loadgen: "auto" | "wrk" | "autocannon";
  growthCounts: number[];
  longStreamChunks: number;
  slowStreams: number;
  slowChunks: number;
  slowDelayMs: number;
  matrix: boolean;
  growth: boolean;
  out: string;
}

const HELP = `npm run bench [-- options]

Measures direct mock, a minimal Bun proxy (native pipe, through a JS stream, and parsing), opentracy (local
traces, ClickHouse traces, traces off) and the Portkey gateway (on Node, as npx runs it, and on Bun)
against the same local mock upstream, then how opentracy's memory grows.
All traffic stays on 127.0.0.1; every loop is bounded in count and time.

  --rounds N            alternating rounds per target, medians reported (3)
  --duration S          seconds per load run (3)
  --concurrency N       connections for the throughput runs (50)
  --chunks N            content chunks per streamed answer (20)
  --ttfb-samples N      sequential requests for time-to-first-byte (200)
  --targets LIST        ${ALL_TARGETS.join(",")} (all)
  --dialects LIST       openai,anthropic (both)
  --modes LIST          nonstream,stream (both)
  --no-pin              do not pin processes to cores with taskset
  --loadgen NAME        auto | wrk | autocannon (auto: wrk if installed)
  --growth LIST         request counts at which RSS is read (10000,100000,300000)
  --full                growth up to 1,000,000 requests
  --long-stream N       chunks in the one long stream (100000)
  --slow-streams N      concurrent slow streams (1000)
  --slow-chunks N       chunks per slow stream (50), --slow-delay-ms MS between them (100)
  --skip-matrix         only the growth measurements
  --skip-growth         only the side-by-side measurements
  --quick               1 round of 2 s, smaller growth (for trying things out)
  --out PATH            Markdown output (scripts/bench/results/latest.md)
`;

const list = <T extends string>(v: string | undefined, allowed: readonly T[], fallback: T[]): T[] => {
  if (!v) return fallback;
  const items = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`unknown value '${i}': use ${allowed.join(", ")}`);
  return items as T[];
};

const int = (v: string | undefined, fallback: number, name: string): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got '${v}'`);
  return n;
};

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: "string" },
      duration: { type: "string" },
      concurrency: { type: "string" },
      chunks: { type: "string" },
      "ttfb-samples": { type: "string" },
      targets: { type: "string" },
      dialects: { type: "string" },
      modes: { type: "string" },
      "no-pin": { type: "boolean" },
      loadgen: { type: "string" },
      growth: { type: "string" },
      full: { type: "boolean" },
      "long-stream": { type: "string" },
      "slow-streams": { type: "string" },
      "slow-chunks": { type: "string" },
      "slow-delay-ms": { type: "string" },
      "skip-matrix": { type: "boolean" },
      "skip-growth": { type: "boolean" },
      quick: { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const quick = values.quick === true;
  const growthDefault = values.full ? [10_000, 100_000, 1_000_000] : quick ? [10_000, 50_000] : [10_000, 100_000, 300_000];
  const growthCounts = values.growth ? values.growth.split(",").map((s) => int(s, 0, "growth")) : growthDefault;
  if (values.full && !growthCounts.includes(1_000_000)) growthCounts.push(1_000_000);
  return {
    rounds: Math.max(1, int(values.rounds, quick ? 1 : 3, "rounds")),
    durationS: Math.max(1, int(values.duration, quick ? 2 : 3, "duration")),
    concurrency: Math.max(1, int(values.concurrency, 50, "concurrency")),
    chunks: Math.max(1, int(values.chunks, 20, "chunks")),
    ttfbSamples: Math.max(10, int(values["ttfb-samples"], quick ? 100 : 200, "ttfb-samples")),
    targets: list(values.targets, ALL_TARGETS, ALL_TARGETS),
    dialects: list(values.dialects, ["openai", "anthropic"] as const, ["openai", "anthropic"]),
    modes: list(values.modes, ["nonstream", "stream"] as const, ["nonstream", "stream"]),
    pin: values["no-pin"] !== true,
    loadgen: list(values.loadgen, ["auto", "wrk", "autocannon"] as const, ["auto"])[0],
    growthCounts: growthCounts.sort((a, b) => a - b),
    longStreamChunks: Math.max(1, int(values["long-stream"], quick ? 20_000 : 100_000, "long-stream")),
    slowStreams: Math.max(1, int(values["slow-streams"], quick ? 200 : 1000, "slow-streams")),
    slowChunks: Math.max(1, int(values["slow-chunks"], quick ? 20 : 50, "slow-chunks")),
    slowDelayMs: int(values["slow-delay-ms"], 100, "slow-delay-ms"),
    matrix: values["skip-matrix"] !== true,
    growth: values["skip-growth"] !== true,
    out: values.out ?? new URL("./results/latest.md", import.meta.url).pathname,
  };
}
