import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { segmentName } from "../../src/traces/local-files.ts";
import { followRecords, lastRecords, newStats, storeEnd } from "../../src/traces/reader.ts";
import type { TraceRecord } from "../../src/traces/record.ts";
import { makeErrorTrace, makeTrace, toLines } from "../helpers/trace-factory.ts";

let home: string;
let dir: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ot-reader-"));
  dir = join(home, "traces");
  mkdirSync(dir);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function segment(seq: number, day = "2025-03-01"): string {
  return join(dir, segmentName(day, seq));
}

function ids(records: TraceRecord[]): string[] {
  return records.map((r) => r.id);
}

/** Awaits the iterator's next value, failing the test instead of hanging when nothing comes. */
async function nextWithin<T>(it: AsyncIterator<T>, ms = 5000): Promise<IteratorResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no record within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([it.next(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `cond` holds; a condition with a deadline, not a guess at how long work takes. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Ends a follower the way the CLI does (abort), then finishes the generator: one parked at a
 * `yield` only runs its cleanup (closing its file handle) when it is resumed.
 */
async function stop(ac: AbortController, it: AsyncIterator<TraceRecord>): Promise<void> {
  ac.abort();
  await it.return?.();
}

async function nextRecord(it: AsyncIterator<TraceRecord>): Promise<TraceRecord> {
  const r = await nextWithin(it);
  if (r.done) throw new Error("follower ended early");
  return r.value;
}

describe("lastRecords", () => {
  test("reads backwards across segments and returns the last n oldest first", async () => {
    const all = Array.from({ length: 9 }, () => makeTrace());
    writeFileSync(segment(1, "2025-02-28"), toLines(all.slice(0, 3)));
    writeFileSync(segment(1), toLines(all.slice(3, 6)));
    writeFileSync(segment(2), toLines(all.slice(6)));

    const { records, end } = await lastRecords(dir, 5);
    expect(ids(records)).toEqual(ids(all.slice(4)));
    expect(end).toEqual({ file: segment(2), offset: statSync(segment(2)).size });
  });

  test("n larger than the store returns everything", async () => {
    const all = Array.from({ length: 4 }, () => makeTrace());
    writeFileSync(segment(1), toLines(all.slice(0, 2)));
    writeFileSync(segment(2), toLines(all.slice(2)));
    expect(ids((await lastRecords(dir, 100)).records)).toEqual(ids(all));
  });

  test("an empty or missing store has no records and no end", async () => {
    expect(await lastRecords(dir, 10)).toEqual({ records: [], end: null });
    expect(await lastRecords(join(home, "nope"), 10)).toEqual({ records: [], end: null });
  });

  test("n = 0 reads no records but still finds the end", async () => {
    writeFileSync(segment(1), toLines([makeTrace()]));
    expect(await lastRecords(dir, 0)).toEqual({
      records: [],
      end: { file: segment(1), offset: statSync(segment(1)).size },
    });
  });

  test("filters by model (requested, selected or alias) and by status", async () => {
    const a = makeTrace({ requested_model: "smart", alias: "smart", selected_model: "anthropic/claude-sonnet-4-6", provider: "anthropic" });
    const b = makeTrace();
    const c = makeErrorTrace({ requested_model: "gpt-4o", selected_model: "openai/gpt-4o" });
    const d = makeTrace({ requested_model: "gpt-4o", selected_model: "openai/gpt-4o" });
    writeFileSync(segment(1), toLines([a, b]));
    writeFileSync(segment(2), toLines([c, d]));

    expect(ids((await lastRecords(dir, 10, { model: "smart" })).records)).toEqual([a.id]);
    expect(ids((await lastRecords(dir, 10, { model: "anthropic/claude-sonnet-4-6" })).records)).toEqual([a.id]);
    expect(ids((await lastRecords(dir, 10, { model: "gpt-4o" })).records)).toEqual([c.id, d.id]);
    expect(ids((await lastRecords(dir, 10, { model: "openai/gpt-4o" })).records)).toEqual([c.id, d.id]);
    expect(ids((await lastRecords(dir, 10, { status: "error" })).records)).toEqual([c.id]);
    expect(ids((await lastRecords(dir, 1, { status: "ok" })).records)).toEqual([d.id]);
    expect(ids((await lastRecords(dir, 10, { model: "gpt-4o", status: "ok" })).records)).toEqual([d.id]);
  });

  test("ignores a trailing partial line (a write in progress)", async () => {
    const done = [makeTrace(), makeTrace()];
    const complete = toLines(done);
    const partial = JSON.stringify(makeTrace()).slice(0, 80);
    writeFileSync(segment(1), complete + partial);

    const stats = newStats();
    const { records, end } = await lastRecords(dir, 10, {}, stats);
    expect(ids(records)).toEqual(ids(done));
    expect(end).toEqual({ file: segment(1), offset: Buffer.byteLength(complete) });
    expect(stats.skipped).toBe(0);
  });

  test("skips and counts lines that are not JSON or not a trace", async () => {
    const [a, b] = [makeTrace(), makeTrace()];
    const bad = { ...makeTrace(), status: "maybe" };
    writeFileSync(segment(1), `${toLines([a])}{not json\n\n${JSON.stringify(bad)}\n${JSON.stringify([1, 2])}\n${toLines([b])}`);
    const stats = newStats();
    expect(ids((await lastRecords(dir, 10, {}, stats)).records)).toEqual([a.id, b.id]);
    expect(stats.skipped).toBe(3);
  });

  test("keeps fields a newer writer added", async () => {
    const r = { ...makeTrace(), future_field: { x: 1 } };
    writeFileSync(segment(1), `${JSON.stringify(r)}\n`);
    expect((await lastRecords(dir, 1)).records[0]).toEqual(r);
  });

  test("lines longer than a chunk and multi-byte text cut by chunk edges survive", async () => {
    const long = makeTrace({ request: [{ role: "user", content: "héllo ✓ 日本 ".repeat(20_000) }] });
    const all = [makeTrace(), long, makeTrace({ response: { content: "€".repeat(70_000) } })];
    writeFileSync(segment(1), toLines(all));
    expect((await lastRecords(dir, 3)).records).toEqual(all);
  });

  test("a big segment is read from the end only", async () => {
    const many = Array.from({ length: 50_000 }, (_, i) => makeTrace({ id: `big-${i}` }));
    writeFileSync(segment(1), toLines(many));
    const size = statSync(segment(1)).size;
    expect(size).toBeGreaterThan(20 * 1024 * 1024);

    const stats = newStats();
    const { records } = await lastRecords(dir, 20, {}, stats);
    expect(ids(records)).toEqual(ids(many.slice(-20)));
    expect(stats.bytesRead).toBeLessThan(256 * 1024);
  });
});

describe("followRecords", () => {
  test("yields appended records, then those of the next segment, in order, and stops on abort", async () => {
    const old = [makeTrace(), makeTrace()];
    writeFileSync(segment(1), toLines(old));
    const { end } = await lastRecords(dir, 10);
    const ac = new AbortController();
    const stats = newStats();
    const it = followRecords(dir, { from: end, signal: ac.signal, stats })[Symbol.asyncIterator]();

    const [a, b, c, d] = [makeTrace(), makeTrace(), makeTrace(), makeTrace()];
    const first = nextRecord(it);
    appendFileSync(segment(1), toLines([a, b]));
    expect((await first).id).toBe(a.id);
    expect((await nextRecord(it)).id).toBe(b.id);

    // Rotation: the writer leaves 001 for good and starts 002.
    const third = nextRecord(it);
    writeFileSync(segment(2), toLines([c]));
    expect((await third).id).toBe(c.id);
    const fourth = nextRecord(it);
    appendFileSync(segment(2), toLines([d]));
    expect((await fourth).id).toBe(d.id);

    // Only the new bytes were read, never the history again.
    expect(stats.bytesRead).toBeLessThan(Buffer.byteLength(toLines([a, b, c, d])) + 64 * 1024);

    const after = it.next();
    ac.abort();
    expect((await nextWithin({ next: () => after })).done).toBe(true);
  });

  test("holds a partial line until its newline arrives", async () => {
    writeFileSync(segment(1), "");
    const ac = new AbortController();
    const stats = newStats();
    const it = followRecords(dir, { from: await storeEnd(dir), signal: ac.signal, stats })[Symbol.asyncIterator]();
    // Longer than the follower's read chunk, so it is also split inside a single read pass.
    const r = makeTrace({ response: { content: "x".repeat(100_000) } });
    const line = `${JSON.stringify(r)}\n`;
    const next = nextRecord(it);
    const before = stats.bytesRead;
    appendFileSync(segment(1), line.slice(0, 70_000));
    // Let the follower consume the first half on its own before the rest exists.
    await until(() => stats.bytesRead - before >= 70_000);
    appendFileSync(segment(1), line.slice(70_000));
    expect(await next).toEqual(r);
    await stop(ac, it);
  });

  test("from storeEnd it skips history; a line half written at that moment counts as new", async () => {
    const pending = `${JSON.stringify(makeTrace())}\n`;
    writeFileSync(segment(1), toLines([makeTrace(), makeTrace()]) + pending.slice(0, 50));
    const ac = new AbortController();
    const it = followRecords(dir, { from: await storeEnd(dir), signal: ac.signal })[Symbol.asyncIterator]();
    const fresh = makeTrace();
    const next = nextRecord(it);
    appendFileSync(segment(1), pending.slice(50) + toLines([fresh]));
    expect((await next).id).toBe(JSON.parse(pending).id);
    expect((await nextRecord(it)).id).toBe(fresh.id);
    await stop(ac, it);
  });

  test("applies the filter and skips bad lines", async () => {
    const ac = new AbortController();
    const stats = newStats();
    const it = followRecords(dir, { from: null, signal: ac.signal, filter: { status: "error" }, stats })[Symbol.asyncIterator]();
    const e = makeErrorTrace();
    const next = nextRecord(it);
    writeFileSync(segment(1), `${toLines([makeTrace()])}garbage\n${toLines([e])}`);
    expect((await next).id).toBe(e.id);
    expect(stats.skipped).toBe(1);
    await stop(ac, it);
  });

  test("follows a store whose folder does not exist yet", async () => {
    rmSync(dir, { recursive: true });
    const ac = new AbortController();
    const it = followRecords(dir, { from: await storeEnd(dir), signal: ac.signal, pollMs: 20 })[Symbol.asyncIterator]();
    const r = makeTrace();
    const next = nextRecord(it);
    mkdirSync(dir);
    writeFileSync(segment(1), toLines([r]));
    expect((await next).id).toBe(r.id);
    await stop(ac, it);
  });
});
