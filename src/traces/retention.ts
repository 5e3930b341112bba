import { readFileSync, unlinkSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic } from "../fs/write-atomic.ts";
import { listSegments, parseSegmentName } from "./local-files.ts";

/**
 * How long traces are kept, separately for their content (prompts and answers) and for the rest
 * (model, tokens, cost, latency): the common wish is prompts for a week and costs for a year.
 * Unset: forever.
 */
export interface Retention {
  /** Days to keep a trace at all. */
  days?: number;
  /** Days to keep its prompt and answer; after that the trace stays, as if content tracing had been off. */
  contentDays?: number;
}

export interface PruneResult {
  /** Segment files deleted (past `days`). */
  deleted: string[];
  /** Segment files rewritten without content (past `contentDays`). */
  stripped: string[];
}

const DAY_MS = 86_400_000;

/** The UTC day `days` before `now`, as the segments name days (YYYY-MM-DD). */
const dayBefore = (now: number, days: number) => new Date(now - days * DAY_MS).toISOString().slice(0, 10);

/**
 * Applies the retention to the local store. Segments are whole UTC days, so a day is dropped
 * once all of it is older than the limit: a segment of day D goes when D is before today − days.
 * Content is removed by rewriting the segment (atomically: a crash leaves the old file or the new
 * one), with `request` and `response` set to null on each line; the index notices the shorter
 * file and indexes it again. Today's segment is never touched (the writer appends to it), which is
 * why both limits are at least 1 day.
 */
export function pruneLocal(dir: string, retention: Retention, now = Date.now()): PruneResult {
  const result: PruneResult = { deleted: [], stripped: [] };
  const dropBefore = retention.days ? dayBefore(now, retention.days) : null;
  const stripBefore = retention.contentDays ? dayBefore(now, retention.contentDays) : null;
  for (const path of listSegments(dir)) {
    const day = parseSegmentName(basename(path))?.day;
    if (!day) continue;
    if (dropBefore && day < dropBefore) {
      unlinkSync(path);
      result.deleted.push(basename(path));
    } else if (stripBefore && day < stripBefore && stripContent(path)) {
      result.stripped.push(basename(path));
    }
  }
  return result;
}

/** Rewrites a segment without prompts and answers; false when it held none (nothing written). */
function stripContent(path: string): boolean {
  const text = readFileSync(path, "utf8");
  let changed = false;
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      // A torn line (a crash mid-append) carries nothing we could keep apart from its content.
      changed = true;
      continue;
    }
    if (record.request != null || record.response != null || record.request_params != null) {
      record.request = null;
      record.request_params = null;
      record.response = null;
      changed = true;
    }
    out.push(JSON.stringify(record));
  }
  if (changed) writeFileAtomic(path, out.length ? `${out.join("\n")}\n` : "", 0o600);
  return changed;
}

/** The retention in config.json's `traces` section. */
export const retentionOf = (t: { retention_days?: number; content_retention_days?: number } | undefined): Retention => ({
  days: t?.retention_days,
  contentDays: t?.content_retention_days,
});

/**
 * The engine applies the retention to its local store once a day (the first time a minute after
 * start, so a start is never slowed by rewriting old files), reading the settings each time so a
 * change in config.json applies from the next run.
 */
export function scheduleLocalRetention(dir: string, retention: () => Retention, log: (line: string) => void, firstMs = 60_000): { stop(): void } {
  const run = () => {
    const r = retention();
    if (!r.days && !r.contentDays) return;
    try {
      const { deleted, stripped } = pruneLocal(dir, r);
      if (deleted.length || stripped.length) log(`retention: ${deleted.length} day file(s) deleted, content removed from ${stripped.length}`);
    } catch (e: any) {
      log(`retention: ${e?.message ?? e}`);
    }
  };
  let daily: ReturnType<typeof setInterval> | null = null;
  const first = setTimeout(() => {
    run();
    daily = setInterval(run, DAY_MS);
    daily.unref?.();
  }, firstMs);
  first.unref?.();
  return {
    stop() {
      clearTimeout(first);
      if (daily) clearInterval(daily);
    },
  };
}
