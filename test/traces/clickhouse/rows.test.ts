import { describe, expect, test } from "bun:test";
import { rowsText, rowsTextInSlices, toRow } from "../../../src/traces/clickhouse/rows.ts";
import { makeTrace } from "../../helpers/trace-factory.ts";
import { turnsDuring } from "../../helpers/turns.ts";

describe("rows", () => {
  test("rowsText is one JSONEachRow line per record, with the batch token", () => {
    const records = [makeTrace({ id: "a" }), makeTrace({ id: "b", stream: true })];
    const lines = rowsText(records, "tok").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual(records.map((r) => toRow(r, "tok")));
    expect(JSON.parse(lines[1])).toMatchObject({ id: "b", stream: true, batch_id: "tok" });
  });

  test("times are DateTime64(3) text: cut from toISOString's form, parsed from any other form ISO-8601 allows", () => {
    const iso = "2025-03-01T12:00:00.123Z";
    expect(toRow(makeTrace({ ts_start: iso, ts_first_byte: null, ts_end: iso }), "t")).toMatchObject({
      ts_start: "2025-03-01 12:00:00.123",
      ts_first_byte: null,
      ts_end: "2025-03-01 12:00:00.123",
    });
    // An older writer or a hand-made line: an offset, or no milliseconds, is converted to UTC.
    expect(toRow(makeTrace({ ts_start: "2025-03-01T14:00:00.5+02:00", ts_end: "2025-03-01T12:00:01Z" }), "t")).toMatchObject({
      ts_start: "2025-03-01 12:00:00.500",
      ts_end: "2025-03-01 12:00:01.000",
    });
  });

  test("rowsTextInSlices is the same text, made over several turns of the event loop for a large batch", async () => {
    for (const n of [1, 200, 201, 1003]) {
      const records = Array.from({ length: n }, (_, i) => makeTrace({ id: `r${i}` }));
      const { value, turns } = await turnsDuring(() => rowsTextInSlices(records, "tok"));
      expect(value).toBe(rowsText(records, "tok"));
      expect(turns).toBeGreaterThanOrEqual(Math.ceil(n / 200) - 1);
    }
  });
});
