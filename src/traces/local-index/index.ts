import { Database } from "bun:sqlite";
import { closeSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { listSegments } from "../local-files.ts";
import { TraceRecord } from "../record.ts";
import { createSchema } from "./schema.ts";
import { searchText } from "./search-text.ts";

/** One line of a segment: the record and where its bytes are. */
interface Located {
  record: TraceRecord;
  offset: number;
  length: number;
}

const CATCH_UP_CHUNK = 4 * 1024 * 1024;
/**
 * The writer appends every millisecond under load, a few traces at a time; one SQLite commit per
 * append would cost ~150 µs of the event loop per trace, against ~17 µs in commits of a thousand
 * (measured). So appended batches are indexed together, at most this long after their append:
 * the UI sees a trace a quarter of a second later, requests keep the CPU.
 */
const INDEX_EVERY_MS = 250;
const INDEX_AT_ROWS = 2000;

/**
 * Keeps `index.sqlite` in step with the JSON lines. The file sink calls `added` after each batch
 * is appended (the background writer's path, never a request's); `catchUp` indexes whatever the
 * files hold beyond what `segments` records, so an existing store, a deleted index or a crash
 * between an append and its index commit all end with every line indexed once (ids are the key:
 * indexing a line twice is a no-op).
 *
 * While the catch-up of a file runs, the writer's batches for it are indexed but do not move its
 * recorded offset: a crash then re-reads from the old offset instead of skipping the gap.
 */
export class LocalIndex {
  readonly db: Database;
  private readonly insertTrace;
  private readonly insertTag;
  private readonly setOffset;
  /** Segments whose catch-up is still running → the end of the writer's latest batch there. */
  private readonly pending = new Map<string, number>();
  private catchingUp: Promise<void> | null = null;
  /** Appended batches not yet in the index: their segment, lines, and the segment's end after them. */
  private waiting: { segment: string; lines: Located[]; end: number }[] = [];
  private waitingRows = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  failures = 0;

  constructor(
    private readonly dir: string,
    path = join(dir, "index.sqlite"),
    private readonly log: (line: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(path, { create: true });
    createSchema(this.db);
    this.insertTrace = this.db.prepare(
      `INSERT OR IGNORE INTO traces (id, ts_ms, ts_start, requested_model, selected_model, alias, provider, status, http_status,
        input_tokens, output_tokens, cost_usd, latency_ms, ttft_ms, token_name, user, session_id, tags, error_type, content, segment, offset, length)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)`,
    );
    this.insertTag = this.db.prepare("INSERT OR IGNORE INTO trace_tags (key, value, ts_ms, id) VALUES (?1, ?2, ?3, ?4)");
    this.setOffset = this.db.prepare(
      "INSERT INTO segments (name, offset) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET offset = max(offset, excluded.offset)",
    );
  }

  private insertAll(segment: string, lines: Located[], end: number | null): void {
    this.db.transaction(() => {
      this.insertRows(segment, lines);
      if (end !== null) this.setOffset.run(segment, end);
    })();
  }

  private insertRows(segment: string, lines: Located[]): void {
    for (const { record: r, offset, length } of lines) {
      const ts = Date.parse(r.ts_start);
      const changed = this.insertTrace.run(
        r.id,
        Number.isNaN(ts) ? 0 : ts,
        r.ts_start,
        r.requested_model,
        r.selected_model,
        r.alias,
        r.provider,
        r.status,
        r.http_status,
        r.input_tokens,
        r.output_tokens,
        r.cost_usd,
        r.latency_ms,
        r.ttft_ms,
        r.token_name,
        r.user ?? null,
        r.session_id ?? null,
        JSON.stringify(r.tags ?? {}),
        r.error_type,
        searchText(r.request, r.response),
        segment,
        offset,
        length,
      ).changes;
      if (changed) for (const [k, v] of Object.entries(r.tags ?? {})) this.insertTag.run(k, v, Number.isNaN(ts) ? 0 : ts, r.id);
    }
  }

  /** A batch the file sink appended to `file` at `start`; its text is `text` (one line per record). */
  added(file: string, start: number, records: readonly TraceRecord[], text: string): void {
    const segment = basename(file);
    const lines: Located[] = [];
    let offset = start;
    let from = 0;
    for (const r of records) {
      const nl = text.indexOf("\n", from);
      const length = Buffer.byteLength(text.slice(from, nl + 1));
      lines.push({ record: r, offset, length });
      offset += length;
      from = nl + 1;
    }
    this.waiting.push({ segment, lines, end: offset });
    this.waitingRows += lines.length;
    if (this.waitingRows >= INDEX_AT_ROWS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), INDEX_EVERY_MS);
      this.timer.unref?.();
    }
  }

  /** Indexes the appended batches waiting, in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batches = this.waiting;
    this.waiting = [];
    this.waitingRows = 0;
    if (!batches.length) return;
    try {
      this.db.transaction(() => {
        const ends = new Map<string, number>();
        for (const b of batches) {
          this.insertRows(b.segment, b.lines);
          ends.set(b.segment, Math.max(ends.get(b.segment) ?? 0, b.end));
        }
        for (const [segment, end] of ends) {
          if (this.pending.has(segment)) this.pending.set(segment, Math.max(this.pending.get(segment)!, end));
          else this.setOffset.run(segment, end);
        }
      })();
    } catch (e: any) {
      // The JSON lines hold the batches; the next start's catch-up indexes them.
      if (this.failures++ === 0) this.log(`trace index: ${e?.message ?? e}; the next start re-indexes from the JSON lines`);
    }
  }

  /**
   * Indexes what the segments hold past their recorded offsets, a chunk at a time with the event
   * loop served in between. The sizes are taken before anything else can append, so the catch-up
   * reads exactly the bytes that were there at start and the writer's batches are all beyond them.
   */
  catchUp(): Promise<void> {
    if (this.catchingUp) return this.catchingUp;
    const known = new Map((this.db.query("SELECT name, offset FROM segments").all() as { name: string; offset: number }[]).map((r) => [r.name, r.offset]));
    const work: { path: string; name: string; from: number; to: number }[] = [];
    for (const path of listSegments(this.dir)) {
      const name = basename(path);
      const size = statSync(path).size;
      let from = known.get(name) ?? 0;
      if (from > size) {
        // The file was replaced or truncated: its rows point at bytes that are gone.
        this.db.run("DELETE FROM trace_tags WHERE id IN (SELECT id FROM traces WHERE segment = ?1)", [name]);
        this.db.run("DELETE FROM traces WHERE segment = ?1", [name]);
        this.db.run("DELETE FROM segments WHERE name = ?1", [name]);
        from = 0;
      }
      if (from < size) {
        work.push({ path, name, from, to: size });
        this.pending.set(name, 0);
      }
    }
    this.catchingUp = (async () => {
      for (const w of work) {
        try {
          const end = await this.indexRange(w.path, w.name, w.from, w.to);
          this.setOffset.run(w.name, Math.max(end, this.pending.get(w.name) ?? 0));
        } catch (e: any) {
          if (this.failures++ === 0) this.log(`trace index: catching up ${w.name}: ${e?.message ?? e}`);
        } finally {
          this.pending.delete(w.name);
        }
      }
    })();
    return this.catchingUp;
  }

  /** Indexes the complete lines in [from, to); returns the end of the last complete line. */
  private async indexRange(path: string, name: string, from: number, to: number): Promise<number> {
    const fd = openSync(path, "r");
    try {
      let pos = from;
      let carry = Buffer.alloc(0);
      let carryAt = from;
      while (pos < to) {
        const buf = Buffer.allocUnsafe(Math.min(CATCH_UP_CHUNK, to - pos));
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
        const lines: Located[] = [];
        let start = 0;
        for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
          const record = parseLine(data.subarray(start, nl));
          if (record) lines.push({ record, offset: carryAt + start, length: nl + 1 - start });
          start = nl + 1;
        }
        carry = Buffer.from(data.subarray(start));
        const end = carryAt + start;
        carryAt = end;
        this.insertAll(name, lines, null);
        await new Promise((r) => setImmediate(r)); // serve requests between chunks
      }
      return carryAt;
    } finally {
      closeSync(fd);
    }
  }

  /** The stored line of a record, by its location, parsed; null when it is no longer there. */
  readRecord(segment: string, offset: number, length: number): TraceRecord | null {
    let fd: number;
    try {
      fd = openSync(join(this.dir, basename(segment)), "r");
    } catch {
      return null;
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      const n = readSync(fd, buf, 0, length, offset);
      return parseLine(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}

function parseLine(bytes: Buffer): TraceRecord | null {
  const text = bytes.toString("utf8").trim();
  if (!text) return null;
  try {
    const r = TraceRecord.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
