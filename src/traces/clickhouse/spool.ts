import { mkdirSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { fsyncDir, writeFileAtomic } from "../../fs/write-atomic.ts";

/**
 * Batches that could not go to ClickHouse yet, on disk, in the order they were written.
 *
 * Files, all in one folder under OPENTRACY_HOME:
 * - `spool-NNNNNN.log` segments, append-only. Each batch is one frame: a header line
 *   `OTSPOOL2 <token> <rows> <bytes> <crc32>` and then `<bytes>` bytes of JSONEachRow rows, ready
 *   to insert (`OTSPOOL1` frames, left by engines that spooled trace records as JSON lines, still
 *   replay). Every append is fsync'd before it counts, so a batch the writer was told is safe
 *   survives a crash or a power cut; a frame torn by a crash fails its length or checksum and is
 *   ignored with everything after it in that segment.
 * - `ack`: `<segment> <offset>`, how far replay has got, replaced atomically (write, fsync, rename).
 * - `id`: a random name for this spool, so queries it sends can be recognised after a restart.
 *
 * Each run appends to a new segment, so a torn tail left by a crash is never written after.
 * Segments are deleted once replay has passed them; an empty spool is a folder with only `id`.
 */

/** What a frame's payload holds: rows as the insert sends them, or trace records (older engines). */
export type SpoolFormat = "rows" | "records";

export interface SpoolFrame {
  token: string;
  format: SpoolFormat;
  rows: number;
  segment: string;
  /** Where the frame's header starts. */
  offset: number;
  /** Byte range of the payload within the segment. */
  start: number;
  length: number;
  /** Offset just past this frame. */
  end: number;
}

const MAGIC: Record<SpoolFormat, string> = { records: "OTSPOOL1", rows: "OTSPOOL2" };
const FORMAT_OF: Record<string, SpoolFormat> = { OTSPOOL1: "records", OTSPOOL2: "rows" };
const SEGMENT = /^spool-(\d{6,})\.log$/;
const segmentName = (seq: number) => `spool-${String(seq).padStart(6, "0")}.log`;
const seqOf = (name: string) => Number(SEGMENT.exec(name)?.[1] ?? -1);

export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024;

export class SpoolFullError extends Error {}

export class Spool {
  readonly id: string;
  private pending: SpoolFrame[] = [];
  private active: { name: string; fh: FileHandle; size: number } | null = null;
  private nextSeq = 1;
  private bytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Frames found damaged when the spool was opened. */
  readonly torn: string[] = [];

  constructor(
    readonly dir: string,
    private readonly opts: { segmentBytes?: number; maxBytes?: number } = {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.id = this.loadId();
    this.scan();
  }

  get batches(): number {
    return this.pending.length;
  }

  get rows(): number {
    let n = 0;
    for (const f of this.pending) n += f.rows;
    return n;
  }

  /** Runs spool mutations one at a time: appends and acks touch the same files. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  private loadId(): string {
    const path = join(this.dir, "id");
    try {
      const id = readFileSync(path, "utf8").trim();
      if (/^[a-z0-9]{8,32}$/.test(id)) return id;
    } catch {}
    const id = randomBytes(6).toString("hex");
    writeFileAtomic(path, `${id}\n`, 0o600);
    return id;
  }

  private scan(): void {
    const names = readdirSync(this.dir)
      .filter((n) => SEGMENT.test(n))
      .sort((a, b) => seqOf(a) - seqOf(b));
    let ack: { segment: string; offset: number } | null = null;
    try {
      const [segment, offset] = readFileSync(join(this.dir, "ack"), "utf8").trim().split(" ");
      if (SEGMENT.test(segment) && /^\d+$/.test(offset)) ack = { segment, offset: Number(offset) };
    } catch {}
    for (const name of names) {
      if (ack && seqOf(name) < seqOf(ack.segment)) {
        unlinkQuiet(join(this.dir, name)); // fully replayed; its deletion was interrupted
        continue;
      }
      const from = ack && name === ack.segment ? ack.offset : 0;
      this.readFrames(name, from);
    }
    // Continue after every name ever used, including one the ack still names after its segment went.
    this.nextSeq = Math.max(0, ...names.map(seqOf), ack ? seqOf(ack.segment) : 0) + 1;
  }

  private readFrames(name: string, from: number): void {
    const buf = readFileSync(join(this.dir, name));
    let pos = from;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      const parts = nl === -1 ? [] : buf.subarray(pos, nl).toString("latin1").split(" ");
      const [magic, token, rows, bytes, crc] = parts;
      const start = nl + 1;
      const length = Number(bytes);
      const ok =
        parts.length === 5 &&
        Object.hasOwn(FORMAT_OF, magic) &&
        /^\d+$/.test(rows) &&
        /^\d+$/.test(bytes) &&
        start + length <= buf.length &&
        crc32(buf.subarray(start, start + length)) === Number.parseInt(crc, 16);
      if (!ok) {
        this.torn.push(`${name}@${pos}`);
        return;
      }
      this.pending.push({ token, format: FORMAT_OF[magic]!, rows: Number(rows), segment: name, offset: pos, start, length, end: start + length });
      this.bytes += start + length - pos;
      pos = start + length;
    }
  }

  /** Resolves once the batch is on disk (fsync'd); rejects with SpoolFullError past the size limit. */
  append(token: string, payload: string, rows: number, format: SpoolFormat = "rows"): Promise<void> {
    return this.serial(async () => {
      const body = Buffer.from(payload, "utf8");
      const head = Buffer.from(`${MAGIC[format]} ${token} ${rows} ${body.length} ${crc32(body).toString(16)}\n`, "latin1");
      const size = head.length + body.length;
      const max = this.opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
      if (this.bytes + size > max) throw new SpoolFullError(`trace spool is full (${max} bytes) in ${this.dir}`);
      if (!this.active || (this.active.size > 0 && this.active.size + size > (this.opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES))) {
        await this.active?.fh.close();
        const name = segmentName(this.nextSeq++);
        this.active = { name, fh: await open(join(this.dir, name), "a", 0o600), size: 0 };
        fsyncDir(this.dir); // the new file's name must survive a crash too
      }
      const at = this.active.size;
      await this.active.fh.write(Buffer.concat([head, body]));
      await this.active.fh.datasync();
      this.active.size += size;
      this.bytes += size;
      this.pending.push({ token, format, rows, segment: this.active.name, offset: at, start: at + head.length, length: body.length, end: at + size });
    });
  }

  /** The oldest batches, up to `maxRows` rows (at least one batch), with their payloads. */
  async peek(maxRows: number): Promise<{ frame: SpoolFrame; payload: string }[]> {
    const out: { frame: SpoolFrame; payload: string }[] = [];
    let rows = 0;
    for (const frame of this.pending) {
      if (out.length > 0 && rows + frame.rows > maxRows) break;
      const fh = await open(join(this.dir, frame.segment), "r");
      try {
        const buf = Buffer.alloc(frame.length);
        await fh.read(buf, 0, frame.length, frame.start);
        out.push({ frame, payload: buf.toString("utf8") });
      } finally {
        await fh.close();
      }
      rows += frame.rows;
    }
    return out;
  }

  /** Marks the oldest `count` batches replayed, durably, and removes the segments left behind. */
  ack(count: number): Promise<void> {
    return this.serial(async () => {
      const done = this.pending.splice(0, count);
      const last = done.at(-1);
      if (!last) return;
      for (const f of done) this.bytes -= f.end - f.offset;
      if (this.pending.length === 0) {
        // Everything replayed: the spool goes back to an empty folder.
        await this.active?.fh.close();
        this.active = null;
        for (const n of readdirSync(this.dir)) if (SEGMENT.test(n)) unlinkQuiet(join(this.dir, n));
        unlinkQuiet(join(this.dir, "ack"));
        return;
      }
      writeFileAtomic(join(this.dir, "ack"), `${last.segment} ${last.end}\n`, 0o600);
      const keep = seqOf(this.pending[0].segment);
      for (const n of readdirSync(this.dir)) if (SEGMENT.test(n) && seqOf(n) < keep && n !== this.active?.name) unlinkQuiet(join(this.dir, n));
    });
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      await this.active?.fh.close();
      this.active = null;
    });
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}
