import { open, type FileHandle } from "node:fs/promises";
import { watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";
import { TraceRecord } from "./record.ts";
import { listSegments, parseSegmentName } from "./local-files.ts";

/**
 * Reads the local JSON-lines store for `traces tail`. The store can be large (days of traffic),
 * so nothing here loads a whole file: the history is read backwards in fixed chunks until enough
 * records are found, and following reads only the bytes appended after a known offset.
 */

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export interface TraceFilter {
  /** Matches requested_model, selected_model or alias, exactly. */
  model?: string;
  status?: "ok" | "error";
  user?: string;
  session?: string;
  /** A tag the trace must carry, `key=value`. */
  tag?: { key: string; value: string };
}

/** Where a reader stopped: just after the last complete line of `file`. */
export interface StorePosition {
  file: string;
  offset: number;
}

/** Counters a caller can pass in to learn what reading cost and what it had to skip. */
export interface ReadStats {
  bytesRead: number;
  /** Lines that were not JSON or not a valid TraceRecord. */
  skipped: number;
}

export function newStats(): ReadStats {
  return { bytesRead: 0, skipped: 0 };
}

export function matchesFilter(r: TraceRecord, f: TraceFilter): boolean {
  if (f.status && r.status !== f.status) return false;
  if (f.model && r.requested_model !== f.model && r.selected_model !== f.model && r.alias !== f.model) {
    return false;
  }
  if (f.user !== undefined && r.user !== f.user) return false;
  if (f.session !== undefined && r.session_id !== f.session) return false;
  // Traces written before tags existed have none.
  if (f.tag && (!r.tags || !Object.hasOwn(r.tags, f.tag.key) || r.tags[f.tag.key] !== f.tag.value)) return false;
  return true;
}

/**
 * One stored line → record, or null when it is unusable. By default returns the parsed object itself rather
 * than zod's output so fields added by a newer writer survive into `--json` output unchanged
 * (the schema has no transforms, so validation is all zod needs to do here).
 */
export function parseLine(line: Buffer, stats: ReadStats, normalized = false): TraceRecord | null {
  const text = line.toString("utf8").trim();
  if (text === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    stats.skipped++;
    return null;
  }
  const parsed = TraceRecord.safeParse(value);
  if (!parsed.success) {
    stats.skipped++;
    return null;
  }
  // `normalized`: zod's output instead, with the defaults of fields older lines lack (an export's fixed columns).
  return normalized ? parsed.data : (value as TraceRecord);
}

async function readAt(fh: FileHandle, pos: number, len: number, stats: ReadStats): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  stats.bytesRead += got;
  return got === len ? buf : buf.subarray(0, got);
}

/**
 * Offset just past the last newline at or before `size` (0 when there is none). Bytes after it are
 * a write in progress (or the remains of a crashed one) and are not a record yet.
 */
async function completeLength(fh: FileHandle, size: number, stats: ReadStats): Promise<number> {
  let pos = size;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = await readAt(fh, pos, len, stats);
    const nl = chunk.lastIndexOf(NEWLINE);
    if (nl !== -1) return pos + nl + 1;
  }
  return 0;
}

/**
 * Complete lines of the byte range [0, end), last line first; `end` is 0 or just past a newline.
 * Splits on the newline byte before decoding, so a multi-byte character cut by a chunk edge is
 * reassembled intact.
 */
async function* linesBackward(fh: FileHandle, end: number, stats: ReadStats): AsyncGenerator<Buffer> {
  // Start before the final newline, so every newline met from here on opens a line after it.
  let pos = Math.max(0, end - 1);
  // Head of a line whose start lies in an earlier chunk; always ends at a line boundary.
  let carry: Buffer = Buffer.alloc(0);
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = await readAt(fh, pos, len, stats);
    const buf = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
    let stop = buf.length;
    for (;;) {
      const nl = buf.subarray(0, stop).lastIndexOf(NEWLINE);
      if (nl === -1) break;
      yield buf.subarray(nl + 1, stop);
      stop = nl;
    }
    carry = Buffer.from(buf.subarray(0, stop));
  }
  if (carry.length > 0) yield carry;
}

export interface LastRecords {
  /** Oldest first. */
  records: TraceRecord[];
  /** Where the history ends: a follower started here misses nothing and repeats nothing. */
  end: StorePosition | null;
}

/**
 * The last `n` records that match `filter`, oldest first, reading segments from the newest
 * backwards and stopping as soon as `n` are found.
 */
export async function lastRecords(dir: string, n: number, filter: TraceFilter = {}, stats: ReadStats = newStats()): Promise<LastRecords> {
  const segments = listSegments(dir);
  const found: TraceRecord[] = [];
  let end: StorePosition | null = null;
  for (let i = segments.length - 1; i >= 0; i--) {
    const file = segments[i];
    let fh: FileHandle;
    try {
      fh = await open(file, "r");
    } catch (e: any) {
      if (e?.code === "ENOENT") continue; // removed between listing and opening
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      const complete = await completeLength(fh, size, stats);
      if (end === null) end = { file, offset: complete };
      if (found.length >= n) break;
      for await (const line of linesBackward(fh, complete, stats)) {
        const r = parseLine(line, stats);
        if (r && matchesFilter(r, filter)) found.push(r);
        if (found.length >= n) break;
      }
    } finally {
      await fh.close();
    }
    if (found.length >= n) break;
  }
  return { records: found.reverse(), end };
}

/** The current end of the store, for a follower that wants no history. */
export async function storeEnd(dir: string, stats: ReadStats = newStats()): Promise<StorePosition | null> {
  return (await lastRecords(dir, 0, {}, stats)).end;
}

export interface FollowOptions {
  /**
   * Where to start: `lastRecords(...).end` to continue right after the history shown, or
   * `storeEnd(dir)` for new records only; null when the store was empty. Taken from the caller
   * rather than looked up lazily so "the end" means the moment the caller chose, not whenever
   * the generator happens to run first.
   */
  from: StorePosition | null;
  filter?: TraceFilter;
  signal?: AbortSignal;
  /** Stat interval, for filesystems where fs.watch misses events (network mounts, some containers). */
  pollMs?: number;
  stats?: ReadStats;
}

function segmentOrder(a: string, b: string): number {
  const pa = parseSegmentName(basename(a));
  const pb = parseSegmentName(basename(b));
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa.day === pb.day ? pa.seq - pb.seq : pa.day < pb.day ? -1 : 1;
}

/**
 * Wakes the follower on a directory event, on a poll tick, or on abort. An event that lands
 * while the follower is busy reading is remembered, so it cannot be lost between two waits.
 */
class Waker {
  private dirty = true;
  private resolve: (() => void) | null = null;
  private watcher: FSWatcher | null = null;

  constructor(
    private dir: string,
    private pollMs: number,
    private signal?: AbortSignal,
  ) {
    signal?.addEventListener("abort", this.poke, { once: true });
  }

  poke = (): void => {
    this.dirty = true;
    const r = this.resolve;
    this.resolve = null;
    r?.();
  };

  /** The folder may not exist yet when following starts; retried on every wait. */
  private ensureWatcher(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, this.poke);
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
  }

  async wait(): Promise<void> {
    this.ensureWatcher();
    if (this.dirty || this.signal?.aborted) {
      this.dirty = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(this.poke, this.pollMs);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.dirty = false;
  }

  close(): void {
    this.signal?.removeEventListener("abort", this.poke);
    this.watcher?.close();
    this.watcher = null;
    this.poke();
  }
}

/** A follower's place in one segment: the bytes before `offset` have been consumed. */
interface Cursor {
  file: string;
  offset: number;
  fh: FileHandle | null;
  /** The start of a line whose newline has not been written yet. */
  pending: Buffer;
}

function cursorAt(file: string, offset: number): Cursor {
  return { file, offset, fh: null, pending: Buffer.alloc(0) };
}

/** Every complete record appended to the cursor's file since it last looked; advances the cursor. */
async function* drain(cur: Cursor, stats: ReadStats, signal?: AbortSignal): AsyncGenerator<TraceRecord> {
  if (!cur.fh) {
    try {
      cur.fh = await open(cur.file, "r");
    } catch (e: any) {
      if (e?.code === "ENOENT") return; // not created yet, or already removed
      throw e;
    }
  }
  const size = (await cur.fh.stat()).size;
  if (size < cur.offset) {
    // Truncated or replaced under us: its old bytes are gone, start over on what is there.
    cur.offset = 0;
    cur.pending = Buffer.alloc(0);
  }
  while (cur.offset < size && !signal?.aborted) {
    const chunk = await readAt(cur.fh, cur.offset, Math.min(CHUNK, size - cur.offset), stats);
    if (chunk.length === 0) return;
    cur.offset += chunk.length;
    const buf = cur.pending.length > 0 ? Buffer.concat([cur.pending, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      const r = parseLine(buf.subarray(start, nl), stats);
      start = nl + 1;
      if (r) yield r;
      if (signal?.aborted) return;
    }
    cur.pending = Buffer.from(buf.subarray(start));
  }
}

/**
 * New records as they are appended, in store order, across segment rotation. Keeps one file
 * handle and a byte offset, so it never re-reads what it has already seen; a line without its
 * newline yet stays buffered until the rest arrives. Ends when `signal` aborts.
 */
export async function* followRecords(dir: string, opts: FollowOptions): AsyncGenerator<TraceRecord> {
  const stats = opts.stats ?? newStats();
  const filter = opts.filter ?? {};
  const signal = opts.signal;
  let cur: Cursor | null = opts.from ? cursorAt(opts.from.file, opts.from.offset) : null;
  const waker = new Waker(dir, opts.pollMs ?? 250, signal);
  try {
    while (!signal?.aborted) {
      await waker.wait();
      if (signal?.aborted) break;
      // List before draining: a newer segment seen now means the writer has finished with the
      // current one, so draining it completely and then moving on cannot lose a line.
      const segments = listSegments(dir);
      const current = cur;
      const next = current ? segments.find((s) => segmentOrder(s, current.file) > 0) : segments[0];
      if (current) {
        for await (const r of drain(current, stats, signal)) {
          if (matchesFilter(r, filter)) yield r;
        }
      }
      if (next) {
        // A line left without its newline in a finished segment was never completed (the writer
        // appends whole lines), so it is dropped rather than glued onto the next file's first line.
        await current?.fh?.close();
        cur = cursorAt(next, 0);
        waker.poke();
      }
    }
  } finally {
    waker.close();
    await cur?.fh?.close();
  }
}
