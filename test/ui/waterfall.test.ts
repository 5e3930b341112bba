import { describe, expect, test } from "bun:test";
import { waterfall } from "../../src/ui/app/waterfall.ts";

describe("waterfall", () => {
  test("attempts sit at their recorded starts; the gaps between them are the waits", () => {
    const w = waterfall(
      [
        { start_ms: 2, latency_ms: 100 },
        { start_ms: 502, latency_ms: 50 },
        { start_ms: 560, latency_ms: 300 },
      ],
      900,
    );
    expect(w.lanes).toEqual([
      { startMs: 2, latencyMs: 100, waitMs: 0 },
      { startMs: 502, latencyMs: 50, waitMs: 400 },
      { startMs: 560, latencyMs: 300, waitMs: 8 },
    ]);
    expect(w).toMatchObject({ axisMs: 900, measured: true });
  });

  test("traces from before start_ms was recorded are drawn back to back", () => {
    const w = waterfall([{ latency_ms: 100 }, { start_ms: null, latency_ms: 40 }], 90);
    expect(w.lanes.map((l) => [l.startMs, l.waitMs])).toEqual([
      [0, 0],
      [100, 0],
    ]);
    // The request's own latency can be shorter than the attempts laid end to end (rounding): the axis covers both.
    expect(w).toMatchObject({ axisMs: 140, measured: false });
  });

  test("no attempts, or all instantaneous: the axis is never zero wide", () => {
    expect(waterfall([], 0)).toEqual({ lanes: [], axisMs: 1, measured: true });
    expect(waterfall([{ start_ms: 0, latency_ms: 0 }], 0).axisMs).toBe(1);
  });
});
