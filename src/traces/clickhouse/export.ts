import type { Readable } from "node:stream";
import type { ClickHouseClient } from "@clickhouse/client";
import { PARQUET_COLUMNS, type ParquetColumn } from "../export/parquet.ts";
import type { ExportSelection } from "../export/select.ts";
import type { TraceRecord } from "../record.ts";
import { fromRow, RECORD_COLUMNS } from "./rows.ts";
import { TABLE } from "./schema.ts";
import { filterSql } from "./source.ts";
import { qualified, str } from "./sql.ts";

/**
 * `traces export` over ClickHouse, reading the `trace_records` view. Records stream out of a
 * JSONEachRow result set a block at a time; Parquet is written by ClickHouse itself and piped
 * through as bytes, in the columns of the local store's Parquet (export/parquet.ts).
 */

/** A selection pinned to the rows already in ClickHouse when the export began, so a count and the export agree. */
export interface ClickHouseSelection extends ExportSelection {
  insertedUpToMs?: number;
}

/** The newest `inserted_ms`: pins a selection to what is there now. */
export async function insertedUpTo(client: ClickHouseClient, database: string): Promise<number> {
  const rs = await client.query({ query: `SELECT max(inserted_ms) AS m FROM ${qualified(database, TABLE.records)}`, format: "JSONEachRow" });
  const [row] = (await rs.json()) as { m: string | number | null }[];
  return Number(row?.m ?? 0);
}

export function selectionSql(s: ClickHouseSelection): string {
  const parts = [filterSql({ model: s.model, status: s.status, user: s.user, session: s.session })];
  if (s.sinceMs !== undefined) {
    // `day` first: it is the partition key, so whole days before the range are never opened.
    parts.push(`day >= toDate(${str(new Date(s.sinceMs).toISOString().slice(0, 10))})`, `ts_start_ms >= ${Math.floor(s.sinceMs)}`);
  }
  if (s.untilMs !== undefined) parts.push(`ts_start_ms < ${Math.ceil(s.untilMs)}`);
  if (s.alias !== undefined) parts.push(`alias = ${str(s.alias)}`);
  if (s.provider !== undefined) parts.push(`provider = ${str(s.provider)}`);
  if (s.api !== undefined) parts.push(`api = ${str(s.api)}`);
  if (s.insertedUpToMs !== undefined) parts.push(`inserted_ms <= ${Math.floor(s.insertedUpToMs)}`);
  for (const t of s.tags ?? []) parts.push(`tags[${str(t.key)}] = ${str(t.value)} AND mapContains(tags, ${str(t.key)})`);
  return parts.join(" AND ");
}

function selected(database: string, columns: string, s: ClickHouseSelection, limit?: number): string {
  const view = qualified(database, TABLE.records);
  const cap = limit === undefined ? "" : ` LIMIT ${Math.floor(limit)}`;
  return `SELECT ${columns} FROM ${view} WHERE ${selectionSql(s)} ORDER BY ts_start_ms, id${cap}`;
}

export async function countSelected(client: ClickHouseClient, database: string, s: ClickHouseSelection): Promise<number> {
  const rs = await client.query({ query: `SELECT count() AS n FROM ${qualified(database, TABLE.records)} WHERE ${selectionSql(s)}`, format: "JSONEachRow" });
  const [row] = (await rs.json()) as { n: string | number }[];
  return Number(row?.n ?? 0);
}

/** The selected records, oldest first, never more than one result block in memory. */
export async function* clickhouseRecords(client: ClickHouseClient, database: string, s: ClickHouseSelection, limit?: number): AsyncGenerator<TraceRecord> {
  const rs = await client.query({ query: selected(database, RECORD_COLUMNS.join(", "), s, limit), format: "JSONEachRow" });
  for await (const rows of rs.stream<Record<string, unknown>>()) {
    for (const row of rows) yield fromRow(row.json());
  }
}

const CH_TYPE: Record<ParquetColumn["type"], string> = { STRING: "String", INT32: "Int32", DOUBLE: "Float64", BOOLEAN: "Bool" };

function parquetExpression(c: ParquetColumn): string {
  const source = c.name === "tags" ? "toJSONString(tags)" : c.name;
  const type = c.nullable ? `Nullable(${CH_TYPE[c.type]})` : CH_TYPE[c.type];
  return `CAST(${source} AS ${type}) AS \`${c.name}\``;
}

/**
 * The selected records as one Parquet file, made by ClickHouse. The conversions sit in an outer
 * query: an alias named like a column (`tags`) would otherwise replace that column in WHERE.
 */
export async function clickhouseParquet(client: ClickHouseClient, database: string, s: ClickHouseSelection, limit?: number): Promise<Readable> {
  const inner = selected(database, "*", s, limit);
  const query = `SELECT ${PARQUET_COLUMNS.map(parquetExpression).join(", ")} FROM (${inner}) FORMAT Parquet`;
  // Strings as Parquet strings (UTF8) and Snappy, as the local writer makes them: every reader has Snappy, not all have zstd.
  const { stream } = await client.exec({
    query,
    clickhouse_settings: { output_format_parquet_string_as_string: 1, output_format_parquet_compression_method: "snappy" },
  });
  return stream;
}
