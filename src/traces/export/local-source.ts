import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { listSegments, parseSegmentName } from "../local-files.ts";
import { newStats, parseLine, type ReadStats } from "../reader.ts";
import type { TraceRecord } from "../record.ts";
import { selects, type ExportSelection } from "./select.ts";

/**
 * The local store for an export: segments oldest first, each read forward in fixed chunks, so a
 * store of any size is read in constant memory. Records come out in store order (the order the
 * engine wrote them), which is the order of ts_end rather than ts_start.
 */

const CHUNK = 256 * 1024;
const NEWLINE = 0x0a;
const DAY_MS = 86_400_000;

export interface LocalScan {
  /** The segments to read, oldest first. */
  files: string[];
  /** Their sizes when listed: what a progress bar measures against. */
  totalBytes: number;
}

/**
 * The segments that can hold traces of the selection. A segment is named for the UTC day its
 * records were written, which is at or after their start: days before `since` cannot hold one.
 * A call ends within a day of its start, so days more than one past `until` cannot either.
 */
export async function scanLocal(dir: string, s: ExportSelection): Promise<LocalScan> {
  const from = s.sinceMs === undefined ? null : new Date(s.sinceMs).toISOString().slice(0, 10);
  const to = s.untilMs === undefined ? null : new Date(s.untilMs + DAY_MS).toISOString().slice(0, 10);
  const files: string[] = [];
  let totalBytes = 0;
  for (const file of listSegments(dir)) {
    const day = parseSegmentName(basename(file))?.day ?? "";
    if ((from !== null && day < from) || (to !== null && day > to)) continue;
    try {
      totalBytes += (await stat(file)).size;
      files.push(file);
    } catch (e: any) {
      if (e?.code !== "ENOENT") throw e; // removed by retention since the listing
    }
  }
  return { files, totalBytes };
}

/**
 * Every complete record of `files` that the selection takes. A line still being written (no
 * newline yet) is not a record; unreadable lines are counted in `stats.skipped`.
 */
export async function* localRecords(files: readonly string[], s: ExportSelection, stats: ReadStats = newStats()): AsyncGenerator<TraceRecord> {
  for (const file of files) {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(file, "r");
    } catch (e: any) {
      if (e?.code === "ENOENT") continue;
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      let pos = 0;
      let carry: Buffer = Buffer.alloc(0);
      const buf = Buffer.allocUnsafe(CHUNK);
      while (pos < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - pos), pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        stats.bytesRead += bytesRead;
        const chunk = buf.subarray(0, bytesRead);
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
          const r = parseLine(data.subarray(start, nl), stats, true);
          start = nl + 1;
          if (r && selects(r, s)) yield r;
        }
        // Copied: `buf` is reused by the next read.
        carry = Buffer.from(data.subarray(start));
      }
    } finally {
      await fh.close();
    }
  }
}
