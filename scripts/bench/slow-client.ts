// Opens N streams at once and holds them to the end: a child process of its own because Bun's
// fetch allows only 256 requests in flight per process unless BUN_CONFIG_MAX_HTTP_REQUESTS is
// set before it starts, and the parent must not be the bottleneck being measured.
//
//   bun slow-client.ts '<json: {n, url, headers, body, chunks, exp, timeoutMs}>'
// Prints one JSON line with the outcome.

import { exchange } from "./client.ts";
import { percentile } from "./stats.ts";

const spec = JSON.parse(process.argv[2]);
const t0 = performance.now();
const results = await Promise.all(
  Array.from({ length: spec.n }, () => exchange({ url: spec.url, headers: spec.headers, body: spec.body }, spec.exp, "stream", spec.chunks, spec.timeoutMs)),
);
const failed = results.filter((r) => r.error);
const ttfb = results.filter((r) => !r.error).map((r) => r.ttfbUs / 1000);
process.stdout.write(
  `${JSON.stringify({
    ok: results.length - failed.length,
    failed: failed.length,
    firstError: failed[0]?.error ?? null,
    ttfbP50Ms: percentile(ttfb, 50),
    ttfbP99Ms: percentile(ttfb, 99),
    ttfbMaxMs: percentile(ttfb, 100),
    totalS: (performance.now() - t0) / 1000,
  })}\n`,
);
