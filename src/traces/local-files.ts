import { readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The local store is a folder of JSON-lines segments named `traces-YYYY-MM-DD-NNN.jsonl`
 * (UTC day, then a segment number when a day outgrows the size limit). Names sort in time
 * order, so readers never need to open a file to know where it belongs.
 */
const SEGMENT = /^traces-(\d{4}-\d{2}-\d{2})-(\d{3,})\.jsonl$/;

export function segmentName(day: string, seq: number): string {
  return `traces-${day}-${String(seq).padStart(3, "0")}.jsonl`;
}

export function parseSegmentName(name: string): { day: string; seq: number } | null {
  const m = SEGMENT.exec(name);
  return m ? { day: m[1], seq: Number(m[2]) } : null;
}

/** Full paths of every segment, oldest first; [] when the folder does not exist yet. */
export function listSegments(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e: any) {
    if (e?.code === "ENOENT") return [];
    throw e;
  }
  return names
    .map((n) => ({ n, p: parseSegmentName(n) }))
    .filter((x): x is { n: string; p: { day: string; seq: number } } => x.p !== null)
    .sort((a, b) => (a.p.day === b.p.day ? a.p.seq - b.p.seq : a.p.day < b.p.day ? -1 : 1))
    .map((x) => join(dir, x.n));
}
