// The bench's own HTTP client: one request at a time, timed to the first body byte, answer kept
// for the checker. Used for time-to-first-byte and for the correctness samples taken during load.

import type { Mode } from "./options.ts";
import { checkAnswer } from "./verify.ts";
import type { Expectation, HttpRequest } from "./workload.ts";

export interface Exchange {
  /** µs from sending to the first body byte (headers alone do not count) */
  ttfbUs: number;
  totalUs: number;
  error: string | null;
}

const dec = new TextDecoder();

export async function exchange(req: HttpRequest, exp: Expectation, mode: Mode, chunks: number, timeoutMs = 10_000): Promise<Exchange> {
  const t0 = performance.now();
  let ttfb = NaN;
  try {
    const res = await fetch(req.url, { method: "POST", headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs) });
    let text = "";
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (Number.isNaN(ttfb)) ttfb = performance.now() - t0;
        text += dec.decode(value, { stream: true });
      }
      text += dec.decode();
    }
    const total = performance.now() - t0;
    return { ttfbUs: ttfb * 1000, totalUs: total * 1000, error: checkAnswer(exp, mode, chunks, res.status, res.headers, text) };
  } catch (e: any) {
    return { ttfbUs: NaN, totalUs: NaN, error: `request failed: ${e?.message ?? e}` };
  }
}

export interface SampleTally {
  checked: number;
  failed: number;
  firstError: string | null;
}

/**
 * Checks one answer every `everyMs` while a load run is going (never more than one in flight,
 * at most `max`), so correctness is judged under the same load the numbers come from.
 */
export function startSampler(req: HttpRequest, exp: Expectation, mode: Mode, chunks: number, everyMs: number, max: number) {
  const tally: SampleTally = { checked: 0, failed: 0, firstError: null };
  let busy: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (busy || tally.checked >= max) return;
    busy = exchange(req, exp, mode, chunks).then((r) => {
      tally.checked++;
      if (r.error) {
        tally.failed++;
        tally.firstError ??= r.error;
      }
      busy = null;
    });
  }, everyMs);
  return {
    async stop(): Promise<SampleTally> {
      clearInterval(timer);
      if (busy) await busy;
      return tally;
    },
  };
}
