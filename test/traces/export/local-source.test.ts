import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { toFineTuneExample } from "../../../src/traces/export/fine-tune.ts";
import { localRecords, scanLocal } from "../../../src/traces/export/local-source.ts";
import { segmentName } from "../../../src/traces/local-files.ts";
import { newStats } from "../../../src/traces/reader.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { makeTrace, toLines } from "../../helpers/trace-factory.ts";

const root = mkdtempSync(join(tmpdir(), "ot-export-local-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const store = (files: Record<string, string>) => {
  const dir = join(root, `s${n++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
const on = (day: string, hh = "10") => makeTrace({ ts_start: `${day}T${hh}:00:00.000Z`, ts_end: `${day}T${hh}:00:01.000Z` });

describe("local store for export", () => {
  test("segments oldest first, lines in order; a line still being written and unreadable lines are left out", async () => {
    const a = [on("2025-03-01"), on("2025-03-01", "11")];
    const b = [on("2025-03-02")];
    const dir = store({
      [segmentName("2025-03-02", 0)]: `${toLines(b)}{"id":"half-wri`,
      [segmentName("2025-03-01", 0)]: `${toLines(a.slice(0, 1))}not json\n`,
      [segmentName("2025-03-01", 1)]: toLines(a.slice(1)),
      "notes.txt": "not a segment\n",
    });
    const stats = newStats();
    const scan = await scanLocal(dir, {});
    expect(await Array.fromAsync(localRecords(scan.files, {}, stats))).toEqual([...a, ...b]);
    expect(stats.skipped).toBe(1);
  });

  test("days before --since and more than one after --until are never opened", async () => {
    const dir = store({
      [segmentName("2025-02-27", 0)]: toLines([on("2025-02-27")]),
      [segmentName("2025-03-01", 0)]: toLines([on("2025-03-01")]),
      // Written the day after it started: a long call that ended past midnight.
      [segmentName("2025-03-02", 0)]: toLines([on("2025-03-01", "23"), on("2025-03-02")]),
      [segmentName("2025-03-05", 0)]: toLines([on("2025-03-05")]),
    });
    const sel = { sinceMs: Date.parse("2025-03-01T00:00:00Z"), untilMs: Date.parse("2025-03-02T00:00:00Z") };
    const scan = await scanLocal(dir, sel);
    expect(scan.files.map((f) => basename(f))).toEqual([segmentName("2025-03-01", 0), segmentName("2025-03-02", 0)]);
    expect(scan.totalBytes).toBe(scan.files.reduce((s, f) => s + statSync(f).size, 0));
    const stats = newStats();
    const got = await Array.fromAsync(localRecords(scan.files, sel, stats));
    expect(got.map((r) => r.ts_start)).toEqual(["2025-03-01T10:00:00.000Z", "2025-03-01T23:00:00.000Z"]);
    expect(stats.bytesRead).toBe(scan.totalBytes);
  });

  test("records larger than a read, with multi-byte text across chunk edges, arrive intact", async () => {
    const big = makeTrace({ request: [{ role: "user", content: "ü€😀".repeat(200_000) }] });
    const dir = store({ [segmentName("2025-03-01", 0)]: toLines([on("2025-03-01"), big, on("2025-03-01", "12")]) });
    const got = await Array.fromAsync(localRecords((await scanLocal(dir, {})).files, {}));
    expect(got).toHaveLength(3);
    expect(got[1]).toEqual(big);
  });

  test("reads as it yields: the first record comes before the store is read, older lines get the schema's defaults", async () => {
    const records = Array.from({ length: 3000 }, () => on("2025-03-01"));
    const legacy = JSON.parse(JSON.stringify(records[0]));
    delete legacy.api;
    delete legacy.request_params;
    delete legacy.tags;
    const dir = store({ [segmentName("2025-03-01", 0)]: `${JSON.stringify(legacy)}\n${toLines(records.slice(1))}` });
    const scan = await scanLocal(dir, {});
    const stats = newStats();
    const gen = localRecords(scan.files, {}, stats);
    const first = (await gen.next()).value as TraceRecord;
    expect(first).toMatchObject({ id: records[0].id, api: "chat", request_params: null, tags: {} });
    expect(stats.bytesRead).toBeLessThan(scan.totalBytes / 2);
    await gen.return(undefined);
  });

  test("thousands of traces go through in constant memory: the heap never holds the store", async () => {
    const text = "lorem ipsum ".repeat(850); // ~10 kB of prompt each
    const files: Record<string, string> = {};
    for (let day = 1; day <= 4; day++) {
      files[segmentName(`2025-04-0${day}`, 0)] = toLines(Array.from({ length: 1000 }, () => makeTrace({ request: [{ role: "user", content: text }] })));
    }
    const dir = store(files);
    const scan = await scanLocal(dir, {});
    expect(scan.totalBytes).toBeGreaterThan(40_000_000);
    Bun.gc(true);
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let seen = 0;
    let bytesOut = 0;
    for await (const r of localRecords(scan.files, {})) {
      const res = toFineTuneExample(r);
      if ("example" in res) bytesOut += JSON.stringify(res.example).length;
      if (++seen % 500 === 0) {
        Bun.gc(true);
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
    }
    expect(seen).toBe(4000);
    expect(bytesOut).toBeGreaterThan(40_000_000);
    // Holding the records would take well over the store's 40 MB; reading forward holds a chunk or two.
    expect(peak).toBeLessThan(8_000_000);
  }, 60_000);
});
