import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { TraceBatch } from "../../src/traces/batch.ts";
import { FileSink } from "../../src/traces/file-sink.ts";
import type { TraceRecord } from "../../src/traces/record.ts";
import { listSegments, segmentName } from "../../src/traces/local-files.ts";

const today = () => new Date().toISOString().slice(0, 10);
// One small record per batch; the sink only cares about the text's size and order.
const line = (i: number) => new TraceBatch([{ i, pad: "x".repeat(40) } as unknown as TraceRecord]);

describe("FileSink", () => {
  test("appends to today's segment, 0600, and starts a new one past the size limit", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sink-")), "traces");
    const sink = new FileSink(dir, 200);
    for (let i = 0; i < 10; i++) await sink.write(line(i));
    await sink.close();
    const segs = listSegments(dir);
    expect(segs.length).toBeGreaterThan(1);
    expect(basename(segs[0])).toBe(segmentName(today(), 0));
    for (const s of segs) {
      expect(statSync(s).size).toBeLessThanOrEqual(200);
      expect(statSync(s).mode & 0o777).toBe(0o600);
    }
    const all = segs.flatMap((s) =>
      readFileSync(s, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).i),
    );
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("a restarted engine continues today's newest segment", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sink-")), "traces");
    const first = new FileSink(dir, 10_000);
    await first.write(line(1));
    await first.close();
    const second = new FileSink(dir, 10_000);
    await second.write(line(2));
    await second.close();
    const segs = listSegments(dir);
    expect(segs).toHaveLength(1);
    expect(readFileSync(segs[0], "utf8").trimEnd().split("\n")).toHaveLength(2);
  });
});
