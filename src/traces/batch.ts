import type { TraceRecord } from "./record.ts";

/**
 * One batch from the writer to a sink. The JSON-lines text is made on first use and only then:
 * the local store appends it, while ClickHouse encodes the records as its own rows.
 */
export class TraceBatch {
  private text: string | null = null;

  constructor(readonly records: readonly TraceRecord[]) {}

  lines(): string {
    if (this.text === null) {
      let s = "";
      for (const r of this.records) s += `${JSON.stringify(r)}\n`;
      this.text = s;
    }
    return this.text;
  }
}
