import type { ClickHouseClient } from "@clickhouse/client";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TraceSink } from "../file-sink.ts";
import type { TraceBatch } from "../batch.ts";
import { TraceRecord } from "../record.ts";
import { migrate, queryRows, type SchemaState } from "./migrate.ts";
import { clickHouseCode, clientInserter, type Inserter } from "./insert.ts";
import { rowsText, rowsTextInSlices } from "./rows.ts";
import { TABLE } from "./schema.ts";
import { qualified, str, strList } from "./sql.ts";
import { Spool, type SpoolFrame } from "./spool.ts";

/**
 * Traces into ClickHouse, never losing one: a batch is either inserted or fsync'd into the
 * spool before `write` resolves. While ClickHouse answers, batches go straight in. When an
 * insert fails, that batch and every later one go to the spool (so replay keeps their order),
 * and a background loop retries with backoff: it creates or migrates the schema if that has not
 * happened yet, then replays the spool oldest first, and only once the spool is empty do batches
 * go straight in again. A restarted engine starts with what its spool holds.
 *
 * Exactly once: every batch has a token, stored in each of its rows (`batch_id`) and used as the
 * insert's query_id and its insert_deduplication_token. Before a spooled
 * batch is sent, the loop waits until no insert of this spool is still running on the server and
 * asks which tokens already landed, so a batch whose earlier insert succeeded after all (a
 * timeout, a crash between insert and acknowledgement) is not written twice.
 */

export type SinkState = "connecting" | "ok" | "down" | "replaying" | "closed";

export interface ClickHouseSinkOptions {
  client: ClickHouseClient;
  /** How rows go in (httpInserter for a URL); by default through `client`. */
  insert?: Inserter;
  database: string;
  /** Folder of the spool (OPENTRACY_HOME/spool/clickhouse). */
  spoolDir: string;
  /** How the target is shown in logs and /health: never with its password. */
  display: string;
  /** Cleans driver messages (which may quote the URL) before they are logged or shown. */
  scrub?: (text: string) => string;
  engineVersion: string;
  ttlDays?: number;
  contentTtlDays?: number;
  /** Rows per replayed insert. */
  replayRows?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** How long a flush on shutdown waits for ClickHouse before it spools instead. */
  closeTimeoutMs?: number;
  spoolMaxBytes?: number;
  log?: (line: string) => void;
}

export type ClickHouseSinkStatus = {
  sink: "clickhouse";
  url: string;
  state: SinkState;
  server_version: string | null;
  schema_version: number | null;
  rows_written: number;
  /** Encoded and not yet in ClickHouse or the spool: waiting for the next insert (at most a second), or being sent. */
  buffered_rows: number;
  spooled_batches: number;
  spooled_rows: number;
  rejected_rows: number;
  last_error: string | null;
  last_error_at: string | null;
};

/** Server error codes that mean "this data will never be accepted", as opposed to "not now". */
const DATA_ERRORS = new Set([6, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 349]);
const QUARANTINE_AFTER = 5;

const errorCode = (e: unknown) => clickHouseCode((e as any)?.code, String((e as any)?.message ?? e));

/**
 * ClickHouse's own guidance: about one insert per second, of 1,000 rows or (ideally) 10k-100k.
 * Every insert is a part on disk for the server to merge, with several engines writing to one server.
 */
const INSERT_EVERY_MS = 1000;
const INSERT_ROWS = 10_000;
/**
 * An insert also goes once its text passes this: at ~10k requests/s a second of rows is ~14 MB,
 * held and then copied into the request body: ~40 MB more peak RSS than with 2 MB inserts
 * (compare.ts: 170 → 131–140 MB with 1–4 MB, same CPU). At that rate it means ~7 inserts a second
 * of ~1,500 rows, still the large inserts ClickHouse wants; at a few hundred requests a second
 * it changes nothing.
 */
const INSERT_CHARS = 2 * 1024 * 1024;

/** The insert being filled: rows encoded as they come, sent once a second or once full. */
interface PendingInsert {
  token: string;
  text: string;
  rows: number;
}

export class ClickHouseSink implements TraceSink {
  readonly kind = "clickhouse";
  // The writer hands traces over every few milliseconds and they are encoded at once, so a
  // record dies young: held for the second until its insert, records were promoted to the old
  // generation, which cost 12 % more CPU per request and 50 MB more peak RSS at ~10k requests/s
  // than holding their rows' text (compare.ts, inserts dropped). Inserts stay one a second.
  readonly flushMs = 10;
  readonly batchSize = INSERT_ROWS;
  private pending: PendingInsert | null = null;
  /** A write encoding into `pending`: it is sent only once the write has added its rows. */
  private encoding: Promise<void> | null = null;
  private insertTimer: ReturnType<typeof setTimeout> | null = null;
  /** Pending inserts go out one after another, in order. */
  private sending: Promise<void> = Promise.resolve();
  /** The rows of the insert on its way (to ClickHouse or the spool). */
  private sendingRows = 0;
  private readonly client: ClickHouseClient;
  private readonly inserter: Inserter;
  private readonly spool: Spool;
  private readonly log: (line: string) => void;
  private readonly scrub: (text: string) => string;
  private schema: SchemaState | null = null;
  private state: SinkState = "connecting";
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private inflight: AbortController | null = null;
  private appending: Promise<void> | null = null;
  private appendingCount = 0;
  private seq = 0;
  private headFailures = { token: "", count: 0 };
  /** Set by beginClose: background work may go on until `deadline`, then stops. */
  private shutdown: { deadline: number } | null = null;
  rowsWritten = 0;
  rejectedRows = 0;
  lastError: string | null = null;
  lastErrorAt: string | null = null;

  constructor(private readonly opts: ClickHouseSinkOptions) {
    this.client = opts.client;
    this.inserter = opts.insert ?? clientInserter(opts.client, opts.database);
    this.log = opts.log ?? (() => {});
    this.scrub = opts.scrub ?? ((t) => t);
    this.spool = new Spool(opts.spoolDir, { maxBytes: opts.spoolMaxBytes });
    if (this.spool.torn.length) this.log(`trace spool: ignored damaged data at ${this.spool.torn.join(", ")} (an interrupted write)`);
    if (this.spool.batches) this.log(`trace spool: ${this.spool.rows} traces in ${this.spool.batches} batches left by the last run; replaying`);
  }

  /** Connects, migrates and replays in the background; the engine never waits for ClickHouse. */
  start(): void {
    this.kick();
  }

  status(): ClickHouseSinkStatus {
    return {
      sink: "clickhouse",
      url: this.opts.display,
      state: this.state,
      server_version: this.schema?.serverVersion ?? null,
      schema_version: this.schema?.to ?? null,
      rows_written: this.rowsWritten,
      buffered_rows: (this.pending?.rows ?? 0) + this.sendingRows,
      spooled_batches: this.spool.batches,
      spooled_rows: this.spool.rows,
      rejected_rows: this.rejectedRows,
      last_error: this.lastError,
      last_error_at: this.lastErrorAt,
    };
  }

  private newToken(): string {
    return `${this.spool.id}-${Date.now().toString(36)}-${(this.seq++).toString(36)}`;
  }

  /**
   * Encodes the batch into the pending insert at once (a slice at a time, serving requests in
   * between) and returns: the insert goes out within a second, or as soon as it holds
   * INSERT_ROWS rows or INSERT_CHARS of text. What the sink holds meanwhile is what the writer's queue held before: a crash
   * loses at most that second, and `flush`/`close` send it.
   */
  async write(traces: TraceBatch): Promise<void> {
    const batch = traces.records;
    if (batch.length === 0) return;
    const p = (this.pending ??= { token: this.newToken(), text: "", rows: 0 });
    const encoding = (async () => {
      p.text += await rowsTextInSlices(batch, p.token);
      p.rows += batch.length;
    })();
    this.encoding = encoding;
    try {
      await encoding;
    } finally {
      if (this.encoding === encoding) this.encoding = null;
    }
    if (p.rows >= INSERT_ROWS || p.text.length >= INSERT_CHARS) await this.flush();
    else this.insertTimer ??= setTimeout(() => void this.flush().catch(() => {}), INSERT_EVERY_MS);
  }

  /** Sends the pending insert now (the writer's flush for `POST /api/traces/flush`, and close). */
  flush(): Promise<void> {
    const send = async () => {
      await this.encoding;
      if (this.insertTimer) clearTimeout(this.insertTimer);
      this.insertTimer = null;
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      this.sendingRows = p.rows;
      try {
        await this.deliver(p);
      } finally {
        this.sendingRows = 0;
      }
    };
    this.sending = this.sending.then(send, send);
    return this.sending;
  }

  /** Straight in while ClickHouse answers and nothing waits in the spool; into the spool otherwise. */
  private async deliver(p: PendingInsert): Promise<void> {
    if (this.state === "ok" && this.spool.batches === 0 && this.appendingCount === 0 && this.schema) {
      try {
        const signal = this.shutdown ? AbortSignal.timeout(Math.max(1, this.shutdown.deadline - Date.now())) : undefined;
        await this.insert(p.text, p.token, p.token, signal);
        this.rowsWritten += p.rows;
        return;
      } catch (e) {
        this.failed(e, "down");
      }
    }
    await this.toSpool(p.token, p.text, p.rows);
    this.kick();
  }

  private async toSpool(token: string, rows: string, count: number): Promise<void> {
    this.appendingCount++;
    const p = this.spool.append(token, rows, count);
    this.appending = p.catch(() => {});
    try {
      await p;
    } finally {
      this.appendingCount--;
    }
  }

  private async insert(rows: string, queryToken: string, dedupToken: string, signal?: AbortSignal): Promise<void> {
    await this.inserter(TABLE.traces, rows, {
      // The query_id lets a later replay see that this insert is still running on the server.
      queryId: `opentracy-${queryToken}`,
      dedupToken,
      signal,
    });
  }

  private setState(next: SinkState, detail = ""): void {
    if (next === this.state) return;
    const prev = this.state;
    this.state = next;
    if (next !== "closed") this.log(`trace sink ${this.opts.display}: ${prev} → ${next}${detail ? ` (${detail})` : ""}`);
  }

  private failed(e: unknown, next: SinkState): void {
    const message = this.scrub(String((e as any)?.message ?? e).split("\n")[0]).slice(0, 500);
    const changed = message !== this.lastError;
    this.lastError = message;
    this.lastErrorAt = new Date().toISOString();
    if (next !== this.state) this.setState(next, `${message}; spooling to ${this.spool.dir}`);
    else if (changed && next === "connecting") this.log(`trace sink ${this.opts.display}: still connecting (${message})`);
  }

  private get stopping(): boolean {
    return this.shutdown !== null && Date.now() >= this.shutdown.deadline;
  }

  private kick(): void {
    if (this.stopping) return;
    if (this.loop) {
      this.wake?.();
      return;
    }
    this.loop = this.recover().finally(() => (this.loop = null));
  }

  /** Until the schema is ready and the spool is empty: migrate, replay, back off on failure. */
  private async recover(): Promise<void> {
    const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 200, maxMs: 5000 };
    let delay = baseMs;
    while (!this.stopping) {
      try {
        if (!this.schema) {
          this.schema = await migrate(this.client, this.opts.database, {
            engineVersion: this.opts.engineVersion,
            ttlDays: this.opts.ttlDays,
            contentTtlDays: this.opts.contentTtlDays,
            log: this.log,
          });
          this.log(`trace sink ${this.opts.display}: ClickHouse ${this.schema.serverVersion}, schema version ${this.schema.to}`);
        }
        if (this.spool.batches > 0 && this.state !== "replaying") {
          // Probe first, so an outage is one "down" in the log, not a down/replaying pair per retry.
          await queryRows(this.client, "SELECT 1 AS ok");
          this.setState("replaying", `${this.spool.rows} traces spooled`);
        }
        while (this.spool.batches > 0 && !this.stopping) {
          await this.replayHead();
          delay = baseMs;
        }
        if (this.stopping) return;
        if (this.appendingCount > 0) {
          await this.appending; // a batch is being spooled right now: replay it too before going direct
          continue;
        }
        this.setState("ok");
        return;
      } catch (e) {
        if (this.stopping) return;
        this.failed(e, this.schema ? "down" : "connecting");
        await this.sleep(this.shutdown ? Math.min(delay, this.shutdown.deadline - Date.now()) : delay);
        delay = Math.min(maxMs, delay * 2);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        // A new failure does not cut the backoff short; shutting down does (one last try, or stop).
        if (this.shutdown) done();
      };
    });
  }

  /** Replays the oldest spooled batches as one insert, skipping any that already landed. */
  private async replayHead(): Promise<void> {
    // A group that keeps failing as bad data is narrowed to its first batch to find the culprit.
    const group = await this.spool.peek(this.headFailures.count >= 2 ? 1 : (this.opts.replayRows ?? 5000));
    const db = this.opts.database;
    const tokens = group.map((g) => g.frame.token);

    // An earlier insert of these batches that timed out may still be running on the server.
    // A user not allowed to read system.processes gets an answer with an error code: go on
    // without this check (the batch_id check below still holds) rather than never replaying.
    const running = await queryRows<{ n: number | string }>(
      this.client,
      `SELECT count() AS n FROM system.processes WHERE query_id LIKE ${str(`opentracy-${this.spool.id}-%`)}`,
    ).catch((e) => {
      if (errorCode(e) === null) throw e;
      return [];
    });
    if (Number(running[0]?.n ?? 0) > 0) throw new Error("an earlier insert of spooled traces is still running on the server; waiting for it");

    const landed = new Map<string, number>();
    for (const r of await queryRows<{ batch_id: string; n: number | string }>(
      this.client,
      `SELECT batch_id, count() AS n FROM ${qualified(db, TABLE.traces)} WHERE batch_id IN ${strList(tokens)} GROUP BY batch_id`,
    )) {
      landed.set(r.batch_id, Number(r.n));
    }

    let rows = "";
    let count = 0;
    for (const { frame, payload } of group) {
      const already = landed.get(frame.token) ?? 0;
      if (already >= frame.rows) continue;
      if (already === 0 && frame.format === "rows") {
        rows += payload;
        count += frame.rows;
        continue;
      }
      // Part of the batch landed (it spanned two partitions): send only what is missing.
      const have =
        already > 0
          ? new Set(
              (await queryRows<{ id: string }>(this.client, `SELECT id FROM ${qualified(db, TABLE.traces)} WHERE batch_id = ${str(frame.token)}`)).map(
                (r) => r.id,
              ),
            )
          : new Set<string>();
      if (frame.format === "rows") {
        for (const line of payloadLines(payload)) {
          if (have.has((JSON.parse(line) as { id: string }).id)) continue;
          rows += `${line}\n`;
          count++;
        }
      } else {
        const todo = parseLines(payload).filter((r) => !have.has(r.id));
        rows += rowsText(todo, frame.token);
        count += todo.length;
      }
    }

    if (count > 0) {
      const groupToken = createHash("sha1").update(tokens.join(",")).update(String(count)).digest("hex").slice(0, 20);
      this.inflight = new AbortController();
      try {
        await this.insert(rows, `${this.spool.id}-r${groupToken}`, `replay-${groupToken}`, this.inflight.signal);
      } catch (e) {
        if (await this.quarantineIfPoison(e, group)) return;
        throw e;
      } finally {
        this.inflight = null;
      }
      this.rowsWritten += count;
    }
    this.headFailures = { token: "", count: 0 };
    await this.spool.ack(group.length);
  }

  /**
   * A batch the server keeps refusing as bad data would hold every later trace back forever. After
   * a few tries on its own it is moved aside (to `rejected.jsonl` beside the spool) and reported.
   */
  private async quarantineIfPoison(e: unknown, group: { frame: SpoolFrame; payload: string }[]): Promise<boolean> {
    const code = errorCode(e);
    if (code === null || !DATA_ERRORS.has(code)) return false;
    const head = group[0].frame.token;
    this.headFailures = this.headFailures.token === head ? { token: head, count: this.headFailures.count + 1 } : { token: head, count: 1 };
    if (group.length > 1 || this.headFailures.count < QUARANTINE_AFTER) return false;
    const path = join(dirname(this.spool.dir), "rejected.jsonl");
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    appendFileSync(path, group[0].payload, { mode: 0o600 });
    const rows = group[0].frame.rows;
    this.rejectedRows += rows;
    this.log(
      `trace sink ${this.opts.display}: ClickHouse refused ${rows} traces ${QUARANTINE_AFTER} times (${this.scrub(String((e as any)?.message).split("\n")[0])}); moved to ${path}`,
    );
    this.headFailures = { token: "", count: 0 };
    await this.spool.ack(1);
    return true;
  }

  /**
   * Shutdown has begun: for up to closeTimeoutMs (default 3 s) the final flush may still go to
   * ClickHouse and the spool may still be replayed; after that everything left stays spooled.
   */
  beginClose(): void {
    if (this.shutdown) return;
    this.shutdown = { deadline: Date.now() + (this.opts.closeTimeoutMs ?? 3000) };
    this.wake?.();
  }

  async close(): Promise<void> {
    this.beginClose();
    // The pending insert goes now: to ClickHouse within the deadline, or to the spool.
    await this.flush().catch(() => {});
    // Worth waiting for only while ClickHouse is answering (or has not failed yet): when it is
    // down, the spool already holds everything and waiting would only delay the exit.
    const answering = this.state === "ok" || this.state === "replaying" || (this.state === "connecting" && this.lastError === null);
    if (answering && (this.spool.batches > 0 || !this.schema)) this.kick();
    const left = this.shutdown!.deadline - Date.now();
    if (answering && this.loop && left > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.loop, new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    this.shutdown!.deadline = 0;
    this.wake?.();
    this.inflight?.abort();
    await this.loop;
    await this.spool.close();
    this.setState("closed");
    await this.client.close().catch(() => {});
  }
}

const payloadLines = (text: string): string[] => text.split("\n").filter((line) => line.trim() !== "");

/** An `OTSPOOL1` frame's trace records. */
function parseLines(text: string): TraceRecord[] {
  return payloadLines(text).map((line) => TraceRecord.parse(JSON.parse(line)));
}
