import { describe, expect, test } from "bun:test";
import { TraceBatch } from "../../src/traces/batch.ts";
import { makeTrace } from "../helpers/trace-factory.ts";

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
});
