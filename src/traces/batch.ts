import { eachInSlices } from "./next-turn.ts";
import type { TraceRecord } from "./record.ts";

/**
 * One batch from the writer to a sink. The JSON-lines text is made on first use and only then:
 * the local store appends it, while ClickHouse inserts the records and needs the text only when
 * it has to spool.
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

  /** The same text, made a slice at a time with requests served in between (a large batch). */
  async linesInSlices(): Promise<string> {
    if (this.text === null) {
      let s = "";
      await eachInSlices(this.records, (r) => (s += `${JSON.stringify(r)}\n`));
      this.text = s;
    }
    return this.text;
  }
}
