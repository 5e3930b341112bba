import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { TraceBatch } from "../../src/traces/batch.ts";
import type { TraceSink } from "../../src/traces/file-sink.ts";
import { applyPolicy, TraceWriter } from "../../src/traces/writer.ts";
import { makeTrace } from "../helpers/trace-factory.ts";
import { turnsDuring } from "../helpers/turns.ts";

class MemorySink implements TraceSink {
  lines: string[] = [];
  failNext = 0;
  async write(batch: TraceBatch) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("disk full");
    }
    this.lines.push(...batch.lines().trimEnd().split("\n"));
  }
  async close() {}
}

const ids = (sink: MemorySink) => sink.lines.map((l) => JSON.parse(l).id);

describe("TraceWriter", () => {
  test("writes every enqueued record once, in order", async () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, () => ({ content: true, redact: false }));
    const recs = Array.from({ length: 25 }, (_, i) => makeTrace({ id: `t${i}` }));
    recs.slice(0, 10).forEach((r) => w.enqueue(r));
    const first = w.flush();
    recs.slice(10).forEach((r) => w.enqueue(r));
    await Promise.all([first, w.flush()]);
    expect(ids(sink)).toEqual(recs.map((r) => r.id));
    expect(w.written).toBe(25);
  });

  test("a flush writes what was queued when it began: traces arriving during a slow write wait for the next tick, not a write of their own", async () => {
    const writes: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const firstWrite = new Promise<void>((r) => (started = r));
    const slow: TraceSink = {
      async write(batch: TraceBatch) {
        writes.push(batch.records.length);
        if (writes.length === 1) {
          started();
          await released;
        }
      },
      async close() {},
    };
    // Not started: no timer, so only the flushes this test makes happen.
    const w = new TraceWriter(slow, () => ({ content: true, redact: false }), { batchSize: 10 });
    for (let i = 0; i < 4; i++) w.enqueue(makeTrace({ id: `a${i}` }));
    const first = w.flush();
    await firstWrite;
    for (let i = 0; i < 5; i++) w.enqueue(makeTrace({ id: `b${i}` }));
    release();
    await first;
    // The four queued before the flush went as one write; the five that came during it are still
    // queued, to go as one batch later.
    expect(writes).toEqual([4]);
    expect(w.queued).toBe(5);
    await w.flush();
    expect(writes).toEqual([4, 5]);
    expect(w.queued).toBe(0);
  });

  test("the sink's own batch size applies unless one is configured", async () => {
    const writes: number[] = [];
    const sink: TraceSink = {
      batchSize: 2,
      async write(b: TraceBatch) {
        writes.push(b.records.length);
      },
      async close() {},
    };
    const fromSink = new TraceWriter(sink, () => ({ content: true, redact: false }));
    for (let i = 0; i < 5; i++) fromSink.enqueue(makeTrace());
    await fromSink.flush();
    expect(writes).toEqual([2, 2, 1]);
    writes.length = 0;
    const configured = new TraceWriter(sink, () => ({ content: true, redact: false }), { batchSize: 4 });
    for (let i = 0; i < 5; i++) configured.enqueue(makeTrace());
    await configured.flush();
    expect(writes).toEqual([4, 1]);
  });

  test("a failed write keeps the batch and the next flush writes it", async () => {
    const sink = new MemorySink();
    const logs: string[] = [];
    const w = new TraceWriter(sink, () => ({ content: true, redact: false }), { log: (l) => logs.push(l) });
    sink.failNext = 1;
    w.enqueue(makeTrace({ id: "a" }));
    await w.flush();
    expect(sink.lines).toHaveLength(0);
    expect(logs.join()).toContain("disk full");
    // Said in /health and on the UI's Overview while it lasts.
    expect(w.status()).toMatchObject({ failing: true, last_error: "disk full", queued: 1, written: 0 });
    w.enqueue(makeTrace({ id: "b" }));
    await w.flush();
    expect(ids(sink)).toEqual(["a", "b"]);
    expect(w.status()).toMatchObject({ failing: false, last_error: null, queued: 0, written: 2 });
  });

  test("the content policy is applied when writing, not when enqueuing", async () => {
    const sink = new MemorySink();
    let content = true;
    const w = new TraceWriter(sink, () => ({ content, redact: false }));
    w.enqueue(makeTrace({ id: "a", request: [{ role: "user", content: "secret" }] }));
    content = false;
    await w.flush();
    expect(JSON.parse(sink.lines[0]).request).toBeNull();
  });

  test("redaction of a large batch is done a slice at a time, and is the same as record by record", async () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, () => ({ content: true, redact: true }));
    const records = Array.from({ length: 450 }, (_, i) => makeTrace({ id: `r${i}`, request: [{ role: "user", content: `mail jane${i}@example.com` }] }));
    for (const r of records) w.enqueue(r);
    const { turns } = await turnsDuring(() => w.flush());
    expect(sink.lines).toEqual(records.map((r) => JSON.stringify(applyPolicy(r, { content: true, redact: true }))));
    expect(sink.lines.join("\n")).not.toContain("jane1@example.com");
    expect(turns).toBeGreaterThanOrEqual(2);
  });

  test("the queue is bounded and counts what it had to drop", async () => {
    const sink = new MemorySink();
    const logs: string[] = [];
    const w = new TraceWriter(sink, () => ({ content: true, redact: false }), { maxQueue: 3, log: (l) => logs.push(l) });
    for (let i = 0; i < 5; i++) w.enqueue(makeTrace({ id: `t${i}` }));
    expect(w.dropped).toBe(2);
    expect(logs[0]).toContain("dropped");
    await w.close();
    expect(ids(sink)).toEqual(["t0", "t1", "t2"]);
  });

  test("once started, a queued trace is written within flushMs, and a failed write retries on its own", async () => {
    const sink = new MemorySink();
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const write = sink.write.bind(sink);
    sink.write = async (batch) => {
      await write(batch);
      wrote();
    };
    sink.failNext = 1;
    const w = new TraceWriter(sink, () => ({ content: true, redact: false }), { flushMs: 10, retryMs: 20 });
    w.start();
    const t0 = performance.now();
    w.enqueue(makeTrace({ id: "a" }));
    // No flush() call and no further traces: the first try fails, the timer tries again.
    await written;
    expect(ids(sink)).toEqual(["a"]);
    expect(performance.now() - t0).toBeLessThan(5_000);
    await w.close();
  });

  test("while the sink fails, tries are retryMs apart, not flushMs: a backlog is not re-serialised every millisecond", async () => {
    const sink = new MemorySink();
    const tries: number[] = [];
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const write = sink.write.bind(sink);
    sink.write = async (batch) => {
      tries.push(performance.now());
      await write(batch);
      wrote();
    };
    sink.failNext = 2;
    const w = new TraceWriter(sink, () => ({ content: true, redact: false }), { flushMs: 1, retryMs: 100 });
    w.start();
    w.enqueue(makeTrace({ id: "a" }));
    await written;
    expect(ids(sink)).toEqual(["a"]);
    expect(tries).toHaveLength(3);
    // A lower bound only: a slow machine can make the gaps longer, never shorter.
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(95);
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(95);
    await w.close();
  });

  test("a started writer with nothing queued keeps nothing scheduled: a process holding one exits on its own", async () => {
    // With a timer left armed, the child's event loop would never empty and this test would time out.
    const script = `
      import { TraceWriter } from ${JSON.stringify(join(import.meta.dir, "../../src/traces/writer.ts"))};
      const lines = [];
      const w = new TraceWriter({ write: async (b) => lines.push(b.lines()), close: async () => {} }, () => ({ content: true, redact: false }), { flushMs: 10 });
      // Runs once the loop is empty: the queued trace must have been written by then.
      process.on("beforeExit", () => { if (lines.length !== 1) process.exit(3); });
      w.start();
      w.enqueue({ id: "a" });
    `;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "ignore", stderr: "pipe" });
    expect(await child.exited).toBe(0);
  });
});
