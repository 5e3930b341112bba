// The period the Activity page shows, from its URL: one of the windows that end now
// (`window=24h`), or a custom range (`from=…&to=…`, each as a datetime-local input writes it: the
// reader's local time to the minute). Pure, so the arithmetic is tested without a DOM.

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const BUCKETS = { minute: MINUTE, hour: HOUR, day: DAY } as const;
export type Bucket = keyof typeof BUCKETS;

// Each window with a bucket that gives a readable number of bars: 60, 24, 168, 30.
export const WINDOWS: Record<string, { label: string; ms: number; bucket: Bucket }> = {
  "1h": { label: "last hour", ms: HOUR, bucket: "minute" },
  "24h": { label: "last 24 hours", ms: DAY, bucket: "hour" },
  "7d": { label: "last 7 days", ms: 7 * DAY, bucket: "hour" },
  "30d": { label: "last 30 days", ms: 30 * DAY, bucket: "day" },
};

export interface Period {
  /** The window's key, or "custom". */
  key: string;
  sinceMs: number;
  untilMs: number;
  bucket: Bucket;
  /** "the last 24 hours", "Mar 1, 10:00 – Mar 2, 10:00". */
  label: string;
}

export type RangeResult = { ok: true; period: Period } | { ok: false; from: string; to: string; problem: string };

/** A custom range's bucket: as fine as keeps the bars readable (at most 120 minutes or 168 hours, like the windows). */
export function bucketFor(spanMs: number): Bucket {
  if (spanMs <= 2 * HOUR) return "minute";
  if (spanMs <= 7 * DAY) return "hour";
  return "day";
}

/** `2026-03-01T10:00`, in local time: what a datetime-local input shows and the URL keeps. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** A datetime-local value (local time) as epoch ms; null when it is not one. */
export function parseLocal(s: string): number | null {
  if (!LOCAL.test(s)) return null;
  // Without a zone, Date reads date-time text as local time: what the reader typed.
  const ms = new Date(s).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function stamp(ms: number, withYear: boolean): string {
  const d = new Date(ms);
  const day = d.toLocaleDateString(undefined, { month: "short", day: "numeric", ...(withYear ? { year: "numeric" } : {}) });
  return `${day}, ${d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false })}`;
}

/** The period of the URL's query; `now` is rounded to the minute so re-renders ask the same URL again. */
export function readPeriod(query: URLSearchParams, now: number): RangeResult {
  const from = query.get("from");
  const to = query.get("to");
  if (from !== null || to !== null) {
    const f = parseLocal(from ?? "");
    const t = parseLocal(to ?? "");
    if (f === null || t === null) return { ok: false, from: from ?? "", to: to ?? "", problem: "Pick both ends of the range, a date and a time each." };
    if (f >= t) return { ok: false, from: from!, to: to!, problem: "The range must start before it ends." };
    const withYear = new Date(f).getFullYear() !== new Date(now).getFullYear() || new Date(t).getFullYear() !== new Date(now).getFullYear();
    return { ok: true, period: { key: "custom", sinceMs: f, untilMs: t, bucket: bucketFor(t - f), label: `${stamp(f, withYear)} – ${stamp(t, withYear)}` } };
  }
  const key = WINDOWS[query.get("window") ?? ""] ? query.get("window")! : "24h";
  const w = WINDOWS[key]!;
  const until = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  return { ok: true, period: { key, sinceMs: until - MINUTE - w.ms, untilMs: until, bucket: w.bucket, label: `the ${w.label}` } };
}
