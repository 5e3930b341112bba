import { describe, expect, test } from "bun:test";
import { TraceBatch } from "../../src/traces/batch.ts";
import { makeTrace } from "../helpers/trace-factory.ts";
import { turnsDuring } from "../helpers/turns.ts";

describe("TraceBatch", () => {
  test("lines are one JSON line per record, in order, made once however often asked", () => {
    const records = [makeTrace(), makeTrace({ alias: "smart" })];
    let stringified = 0;
    const counting = records.map((r) => ({ ...r, toJSON: () => (stringified++, r) }));
    const batch = new TraceBatch(counting);
    expect(stringified).toBe(0); // nothing serialised until a sink asks
    const text = batch.lines();
    expect(text.endsWith("\n")).toBe(true);
    expect(
      text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(records.map((r) => r.id));
    expect(batch.lines()).toBe(text);
    expect(stringified).toBe(2);
  });

  test("linesInSlices is the same text, made over several turns of the event loop for a large batch", async () => {
    for (const n of [0, 1, 200, 201, 1003]) {
      const records = Array.from({ length: n }, (_, i) => makeTrace({ id: `r${i}` }));
      const { value, turns } = await turnsDuring(() => new TraceBatch(records).linesInSlices());
      expect(value).toBe(new TraceBatch(records).lines());
      // One turn per 200 records after the first slice: requests get served in between.
      expect(turns).toBeGreaterThanOrEqual(Math.ceil(n / 200) - 1);
    }
  });
});
