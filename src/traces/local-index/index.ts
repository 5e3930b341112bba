import { Database } from "bun:sqlite";
import { chmodSync, closeSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
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
 * Keeps `index.sqlite` in step with the JSON lines, on read: before each query the UI makes,
 * `refresh` indexes whatever the segment files hold beyond the offsets `segments` records. Nothing
 * is done per request or per written batch: fed from the writer, the index cost ~20 µs of the one
 * core per trace (1.30× CPU per request, +25 MB peak RSS, compare.ts) whether or not anyone looked;
 * fed on read it costs the engine nothing until the UI is open, and then indexes in large
 * transactions (~12 µs a row). An existing store, a deleted index or a crash all end the same way:
 * every complete line indexed once (ids are the key, so indexing a line twice is a no-op).
 */
export class LocalIndex {
  readonly db: Database;
  private readonly insertTrace;
  private readonly insertTag;
  private readonly setOffset;
  /** The refresh under way; queries arriving meanwhile wait for it and then run their own. */
  private refreshing: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(
    private readonly dir: string,
    path = join(dir, "index.sqlite"),
    private readonly log: (line: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The index holds prompt and answer text (for search): private like the JSON lines. SQLite
    // gives its -wal and -shm files the database file's mode.
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
    this.db = new Database(path, { create: true });
    createSchema(this.db);
    this.insertTrace = this.db.prepare(
      `INSERT OR IGNORE INTO traces (id, ts_ms, ts_start, requested_model, selected_model, alias, provider, status, http_status,
        input_tokens, output_tokens, cached_tokens, cost_usd, latency_ms, ttft_ms, token_name, user, session_id, tags, error_type, content,
        segment, offset, length)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)`,
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
        r.cached_tokens,
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

  /**
   * Indexes what the segments hold past their recorded offsets, a chunk at a time with the event
   * loop served in between. Refreshes run one after another, each up to the sizes it saw.
   */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.indexNewLines());
    return this.refreshing;
  }

  private async indexNewLines(): Promise<void> {
    const known = new Map((this.db.query("SELECT name, offset FROM segments").all() as { name: string; offset: number }[]).map((r) => [r.name, r.offset]));
    const present = listSegments(this.dir);
    const names = new Set(present.map((p) => basename(p)));
    // A segment deleted (retention, or by hand): its rows point at a file that is gone.
    for (const name of known.keys()) if (!names.has(name)) this.forget(name);
    for (const path of present) {
      const name = basename(path);
      const size = statSync(path).size;
      let from = known.get(name) ?? 0;
      if (from > size) {
        // The file was replaced or truncated (retention rewrites it without content): its rows point at bytes that are gone.
        this.forget(name);
        from = 0;
      }
      if (from >= size) continue;
      try {
        await this.indexRange(path, name, from, size);
      } catch (e: any) {
        if (this.failures++ === 0) this.log(`trace index: indexing ${name}: ${e?.message ?? e}`);
      }
    }
  }

  private forget(segment: string): void {
    this.db.transaction(() => {
      this.db.run("DELETE FROM trace_tags WHERE id IN (SELECT id FROM traces WHERE segment = ?1)", [segment]);
      this.db.run("DELETE FROM traces WHERE segment = ?1", [segment]);
      this.db.run("DELETE FROM segments WHERE name = ?1", [segment]);
    })();
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
        this.insertAll(name, lines, end);
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
