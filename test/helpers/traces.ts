import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listSegments } from "../../src/traces/local-files.ts";
import { TraceRecord } from "../../src/traces/record.ts";

/** Every trace in a home's local store, oldest first, each checked against the schema. */
export function readTraces(home: string): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (const file of listSegments(join(home, "traces"))) {
    for (const line of readFileSync(file, "utf8").split("\n")) if (line) out.push(TraceRecord.parse(JSON.parse(line)));
  }
  return out;
}
