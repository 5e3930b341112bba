import { expect } from "bun:test";
import parse from "parse-prometheus-text-format";

/** Every sample of a counter or gauge family whose labels include `where`, summed. */
export function total(text: string, name: string, where: Record<string, string> = {}): number {
  const family = parse(text).find((f) => f.name === name);
  if (!family) return 0;
  return family.metrics.filter((m) => Object.entries(where).every(([k, v]) => m.labels?.[k] === v)).reduce((s, m) => s + Number(m.value ?? 0), 0);
}

/**
 * A histogram's observations: its `_count` series, summed. Read from the text, since this parser
 * folds a histogram's labelled series into one (it still rejects a malformed exposition).
 */
export function observations(text: string, name: string): number {
  expect(parse(text).find((f) => f.name === name)?.type).toBe("HISTOGRAM");
  return [...text.matchAll(new RegExp(`^${name}_count\\{[^}]*\\} (\\S+)$`, "gm"))].reduce((s, m) => s + Number(m[1]), 0);
}
