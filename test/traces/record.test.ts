import { describe, expect, test } from "bun:test";
import { fromRow, toRow } from "../../src/traces/clickhouse/rows.ts";
import { TraceRecord } from "../../src/traces/record.ts";
import { makeTrace } from "../helpers/trace-factory.ts";

describe("TraceRecord", () => {
  // Stores keep what older engines wrote: a JSON line, or a ClickHouse row whose attempts column is that JSON text.
  const attempt = { model: "openai/gpt-4o", provider: "openai", status: 200, error_type: null, latency_ms: 10, kind: "first" };

  test("an attempt in a line written before start_ms existed reads as null", () => {
    const line = JSON.stringify({ ...makeTrace(), attempts: [attempt] });
    expect(TraceRecord.parse(JSON.parse(line)).attempts).toEqual([{ ...attempt, start_ms: null } as any]);
  });

  test("and so does one in a ClickHouse row of that time", () => {
    const row = { ...toRow(makeTrace(), "b"), attempts: JSON.stringify([attempt]), stream: 0 };
    expect(fromRow(row).attempts[0]!.start_ms).toBeNull();
  });

  test("an attempt's start survives the round trip", () => {
    const r = makeTrace({ attempts: [{ ...attempt, status: 200, start_ms: 12.345, kind: "first" }] });
    expect(TraceRecord.parse(JSON.parse(JSON.stringify(r))).attempts[0]!.start_ms).toBe(12.345);
  });

  test("api: lines and rows written before it existed read as chat; a record's own survives both stores", () => {
    const { api: _none, ...old } = makeTrace();
    expect(TraceRecord.parse(JSON.parse(JSON.stringify(old))).api).toBe("chat");
    const { api: _col, ...oldRow } = { ...toRow(makeTrace(), "b"), stream: 0 } as Record<string, unknown>;
    expect(fromRow(oldRow).api).toBe("chat");
    const r = makeTrace({ api: "embeddings" });
    expect(TraceRecord.parse(JSON.parse(JSON.stringify(r))).api).toBe("embeddings");
    expect(fromRow({ ...toRow(r, "b"), stream: 0 }).api).toBe("embeddings");
  });
});
