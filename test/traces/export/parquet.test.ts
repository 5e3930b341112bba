import { describe, expect, test } from "bun:test";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { PARQUET_COLUMNS, parquetRow, writeParquet } from "../../../src/traces/export/parquet.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

async function toParquet(records: AsyncIterable<TraceRecord>, rowGroupSize?: number): Promise<{ file: ArrayBuffer; writes: number }> {
  const parts: Uint8Array[] = [];
  await writeParquet(records, async (b) => void parts.push(b), rowGroupSize);
  const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    file.set(p, at);
    at += p.length;
  }
  return { file: file.buffer, writes: parts.length };
}

async function* each<T>(xs: T[]) {
  yield* xs;
}

describe("writeParquet", () => {
  test("round-trips through hyparquet: typed scalars, nested fields as JSON text, nulls kept", async () => {
    const records = [
      makeTrace({ tags: { run: "exec-1" }, request_params: { tools: [], temperature: 0.2 }, response: [{ role: "assistant", content: "é ✓" }] }),
      makeErrorTrace({ user: "ada" }),
      makeTrace({ request: null, response: null, request_params: null, stream: true }),
    ];
    const { file } = await toParquet(each(records));
    const rows = await parquetReadObjects({ file });
    expect(rows).toEqual(records.map(parquetRow));
    // Reading the JSON text back gives the record's own values.
    expect(JSON.parse(rows[0].tags)).toEqual({ run: "exec-1" });
    expect(JSON.parse(rows[0].attempts)).toEqual(records[0].attempts);
    expect(JSON.parse(rows[0].response)).toEqual([{ role: "assistant", content: "é ✓" }]);
    expect(rows[1]).toMatchObject({ status: "error", http_status: 429, input_tokens: null, response: null, user: "ada" });
    expect(rows[2].stream).toBe(true);
  });

  test("the schema: the record's fields, typed, nullable only where the record is", async () => {
    const { file } = await toParquet(each([makeTrace()]));
    const schema = parquetSchema(parquetMetadata(file));
    const cols = schema.children.map((c) => ({ name: c.element.name, type: c.element.type, optional: c.element.repetition_type === "OPTIONAL" }));
    expect(cols.map((c) => c.name)).toEqual(PARQUET_COLUMNS.map((c) => c.name));
    expect(cols.find((c) => c.name === "http_status")).toEqual({ name: "http_status", type: "INT32", optional: false });
    expect(cols.find((c) => c.name === "cost_usd")).toEqual({ name: "cost_usd", type: "DOUBLE", optional: true });
    expect(cols.find((c) => c.name === "stream")).toEqual({ name: "stream", type: "BOOLEAN", optional: false });
    expect(cols.find((c) => c.name === "request")).toEqual({ name: "request", type: "BYTE_ARRAY", optional: true });
  });

  test("no records: a valid empty file", async () => {
    const { file } = await toParquet(each([]));
    expect(await parquetReadObjects({ file })).toEqual([]);
  });

  test("memory holds one row group: records are pulled a group at a time and flushed before the next", async () => {
    const total = 3000;
    const group = 100;
    let pulled = 0;
    let maxAhead = 0;
    let flushedRows = 0;
    async function* source() {
      for (let i = 0; i < total; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - flushedRows);
        yield makeTrace();
      }
    }
    const parts: Uint8Array[] = [];
    await writeParquet(
      source(),
      async (b) => {
        parts.push(b);
        flushedRows = Math.min(total, parts.length * group);
      },
      group,
    );
    // Never more than one group (plus the record that starts the next) between the source and the sink.
    expect(maxAhead).toBeLessThanOrEqual(group + 1);
    expect(parts.length).toBeGreaterThanOrEqual(total / group);
    const file = await new Blob(parts).arrayBuffer();
    const meta = parquetMetadata(file);
    expect(Number(meta.num_rows)).toBe(total);
    expect(meta.row_groups).toHaveLength(total / group);
  });
});
