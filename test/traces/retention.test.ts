import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { segmentName } from "../../src/traces/local-files.ts";
import { LocalIndex } from "../../src/traces/local-index/index.ts";
import { LocalTraceQueries } from "../../src/traces/local-index/queries.ts";
import { pruneLocal } from "../../src/traces/retention.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { makeTrace, toLines } from "../helpers/trace-factory.ts";

const NOW = Date.parse("2026-12-04T12:00:00Z");
const DAY = 86_400_000;
const dayOf = (ago: number) => new Date(NOW - ago * DAY).toISOString().slice(0, 10);

/** A store with one segment per day for the last `days` days, each holding one trace with a prompt naming its day. */
function store(days: number): string {
  const dir = join(tempHome(), "traces");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let ago = 0; ago < days; ago++) {
    const ts = new Date(NOW - ago * DAY).toISOString();
    const r = makeTrace({ id: `trace-${ago}`, ts_start: ts, ts_end: ts, request: [{ role: "user", content: `prompt of day ${ago}` }] });
    writeFileSync(join(dir, segmentName(dayOf(ago), 0)), toLines([r]), { mode: 0o600 });
  }
  return dir;
}

describe("pruneLocal", () => {
  test("drops a day once all of it is past days, keeps the trace but not its content past contentDays, never touches today", () => {
    const dir = store(10);
    const r = pruneLocal(dir, { days: 7, contentDays: 2 }, NOW);
    // At noon, the day 7 days back ended 6.5 days ago: part of it is younger than 7 days, so it stays.
    expect(r.deleted.sort()).toEqual([8, 9].map((a) => segmentName(dayOf(a), 0)).sort());
    expect(r.stripped.sort()).toEqual([3, 4, 5, 6, 7].map((a) => segmentName(dayOf(a), 0)).sort());
    expect(readdirSync(dir).length).toBe(8);
    const line = (ago: number) => JSON.parse(readFileSync(join(dir, segmentName(dayOf(ago), 0)), "utf8"));
    expect(line(4)).toMatchObject({ id: "trace-4", request: null, response: null });
    expect(line(4).cost_usd).toBe(makeTrace().cost_usd);
    expect(line(2).request[0].content).toBe("prompt of day 2");
    expect(line(0).request[0].content).toBe("prompt of day 0");
    // Again: nothing left to do, nothing rewritten.
    expect(pruneLocal(dir, { days: 7, contentDays: 2 }, NOW)).toEqual({ deleted: [], stripped: [] });
  });

  test("the index follows: deleted days leave it, stripped days no longer match a text search", async () => {
    const dir = store(6);
    const index = new LocalIndex(dir);
    const q = new LocalTraceQueries(index);
    expect((await q.list({ limit: 50 })).rows).toHaveLength(6);
    expect((await q.list({ limit: 50, q: "prompt of day 3" })).rows).toHaveLength(1);
    pruneLocal(dir, { days: 4, contentDays: 2 }, NOW);
    const rows = (await q.list({ limit: 50 })).rows.map((r) => r.id).sort();
    expect(rows).toEqual(["trace-0", "trace-1", "trace-2", "trace-3", "trace-4"]);
    expect((await q.list({ limit: 50, q: "prompt of day 3" })).rows).toHaveLength(0);
    expect((await q.list({ limit: 50, q: "prompt of day 1" })).rows).toHaveLength(1);
    expect((await q.get("trace-3"))?.request ?? null).toBeNull();
    index.close();
  });
});

describe("opentracy traces prune", () => {
  test("applies config.json's retention to the local store, and says so when there is none", async () => {
    const home = tempHome();
    const none = await runCli(["traces", "prune"], { home });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no retention is set");
    mkdirSync(join(home, "traces"), { recursive: true, mode: 0o700 });
    const old = new Date(Date.now() - 40 * DAY).toISOString();
    writeFileSync(join(home, "traces", segmentName(old.slice(0, 10), 0)), toLines([makeTrace({ ts_start: old, ts_end: old })]), { mode: 0o600 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ traces: { retention_days: 30 } }));
    const r = await runCli(["traces", "prune"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deleted 1 day file(s)");
    expect(existsSync(join(home, "traces", segmentName(old.slice(0, 10), 0)))).toBe(false);
  });
});
