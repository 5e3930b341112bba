import { describe, expect, test } from "bun:test";
import { bucketFor, DAY, HOUR, localInput, MINUTE, parseLocal, readPeriod } from "../../src/ui/app/activity-range.ts";

const q = (s: string) => new URLSearchParams(s);
const NOW = new Date(2026, 2, 10, 12, 34, 56).getTime(); // local time, as the page lives

describe("the Activity period", () => {
  test("a window ends at the end of this minute and starts its length before the minute began", () => {
    const r = readPeriod(q("window=7d"), NOW);
    const minute = new Date(2026, 2, 10, 12, 34).getTime();
    expect(r).toEqual({ ok: true, period: { key: "7d", sinceMs: minute - 7 * DAY, untilMs: minute + MINUTE, bucket: "hour", label: "the last 7 days" } });
    // Within the same minute the period (and the API URL) does not change.
    expect(readPeriod(q("window=7d"), NOW + 3000)).toEqual(r);
  });

  test("no window, or an unknown one, is the last 24 hours", () => {
    for (const s of ["", "window=2w"]) {
      const r = readPeriod(q(s), NOW);
      expect(r.ok && r.period.key).toBe("24h");
    }
  });

  test("a custom range is the local times in the URL, with a bucket that keeps the bars countable", () => {
    const r = readPeriod(q("from=2026-03-01T10:00&to=2026-03-02T10:00&window=1h"), NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.period).toMatchObject({
      key: "custom",
      sinceMs: new Date(2026, 2, 1, 10, 0).getTime(),
      untilMs: new Date(2026, 2, 2, 10, 0).getTime(),
      bucket: "hour",
    });
    expect(r.period.label).toContain("–");
    expect(r.period.label).not.toContain("2026"); // this year's dates go without it
    const old = readPeriod(q("from=2025-12-31T23:00&to=2026-01-01T01:00"), NOW);
    expect(old.ok && old.period.label).toContain("2025");
  });

  test("a range that is half there, unreadable, or backwards says what is wrong instead of asking the engine", () => {
    expect(readPeriod(q("from=2026-03-01T10:00"), NOW)).toMatchObject({ ok: false, from: "2026-03-01T10:00", to: "" });
    expect(readPeriod(q("from=yesterday&to=2026-03-01T10:00"), NOW)).toMatchObject({ ok: false });
    expect(readPeriod(q("from=2026-03-02T10:00&to=2026-03-01T10:00"), NOW)).toMatchObject({ ok: false, problem: "The range must start before it ends." });
    expect(readPeriod(q("from=2026-03-01T10:00&to=2026-03-01T10:00"), NOW)).toMatchObject({ ok: false });
  });

  test("buckets: minutes up to 2 hours, hours up to 7 days, days beyond", () => {
    expect([bucketFor(2 * HOUR), bucketFor(2 * HOUR + MINUTE), bucketFor(7 * DAY), bucketFor(7 * DAY + HOUR)]).toEqual(["minute", "hour", "hour", "day"]);
  });

  test("datetime-local values round-trip through epoch ms; anything else is not one", () => {
    const ms = new Date(2026, 0, 5, 7, 9).getTime();
    expect(localInput(ms)).toBe("2026-01-05T07:09");
    expect(parseLocal(localInput(ms))).toBe(ms);
    expect(parseLocal("2026-01-05")).toBeNull();
    expect(parseLocal("2026-01-05T07:09Z")).toBeNull();
    expect(parseLocal("2026-13-45T99:99")).toBeNull();
  });
});
