import { ByteWriter, parquetWriteRows } from "hyparquet-writer";
import type { TraceRecord } from "../record.ts";

/**
 * Trace records as Parquet, for the local store (ClickHouse writes its own, from the same column
 * list: see clickhouse/export.ts). Scalars keep their types; timestamps stay ISO-8601 text as in
 * the records; nested fields (attempts, tags, request, request_params, response) are JSON text,
 * so both stores give a reader one schema. The engine-local fields traceparent and response_id
 * are not columns: ClickHouse does not keep them.
 */

export type ParquetColumnType = "STRING" | "INT32" | "DOUBLE" | "BOOLEAN";

export interface ParquetColumn {
  name: keyof TraceRecord;
  type: ParquetColumnType;
  nullable: boolean;
  /** Nested: written as JSON text. */
  json?: true;
}

const col = (name: keyof TraceRecord, type: ParquetColumnType, nullable = false, json?: true): ParquetColumn => ({ name, type, nullable, json });

export const PARQUET_COLUMNS: readonly ParquetColumn[] = [
  col("id", "STRING"),
  col("api", "STRING"),
  col("ts_start", "STRING"),
  col("ts_first_byte", "STRING", true),
  col("ts_end", "STRING"),
  col("alias", "STRING", true),
  col("token_name", "STRING", true),
  col("user", "STRING", true),
  col("session_id", "STRING", true),
  col("tags", "STRING", false, true),
  col("requested_model", "STRING"),
  col("selected_model", "STRING", true),
  col("provider", "STRING", true),
  col("status", "STRING"),
  col("http_status", "INT32"),
  col("error_type", "STRING", true),
  col("error_message", "STRING", true),
  col("stream", "BOOLEAN"),
  col("input_tokens", "INT32", true),
  col("output_tokens", "INT32", true),
  col("cached_tokens", "INT32", true),
  col("reasoning_tokens", "INT32", true),
  col("cost_usd", "DOUBLE", true),
  col("latency_ms", "DOUBLE"),
  col("ttft_ms", "DOUBLE", true),
  col("finish_reason", "STRING", true),
  col("tool_calls", "INT32"),
  col("attempts", "STRING", false, true),
  col("request", "STRING", true, true),
  col("request_params", "STRING", true, true),
  col("response", "STRING", true, true),
];

/** Rows per row group: what the writer holds at once, records and their columns. */
export const ROW_GROUP_SIZE = 1000;

function cell(r: TraceRecord, c: ParquetColumn): unknown {
  const v = r[c.name] ?? null;
  if (c.json) return v === null ? null : JSON.stringify(v);
  if (c.type === "INT32" && v !== null) return Math.trunc(Math.min(0x7fff_ffff, Math.max(-0x8000_0000, Number(v))));
  return v;
}

export function parquetRow(r: TraceRecord): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of PARQUET_COLUMNS) row[c.name] = cell(r, c);
  return row;
}

/** hyparquet-writer's buffer, handed to `sink` after each row group instead of kept whole. */
class SinkWriter extends ByteWriter {
  constructor(private readonly sink: (bytes: Uint8Array) => Promise<void>) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = this.getBytes().slice();
    this.index = 0;
    return this.sink(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/**
 * Writes `records` as one Parquet file through `sink`, a row group at a time: memory holds one
 * group, whatever the number of records.
 */
export async function writeParquet(
  records: AsyncIterable<TraceRecord>,
  sink: (bytes: Uint8Array) => Promise<void>,
  rowGroupSize = ROW_GROUP_SIZE,
): Promise<void> {
  async function* rows() {
    for await (const r of records) yield parquetRow(r);
  }
  await parquetWriteRows({
    writer: new SinkWriter(sink),
    rows: rows(),
    columns: PARQUET_COLUMNS.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
    rowGroupSize,
  });
}
