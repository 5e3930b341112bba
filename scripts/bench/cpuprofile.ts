// Reads a .cpuprofile (Chrome DevTools format, what `bun --cpu-prof` writes) and ranks functions
// by self time and by inclusive time, so hot-path costs can be read without a browser.

import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Ranked {
  key: string;
  selfUs: number;
  totalUs: number;
}

export function rankProfile(path: string, root: string): { totalUs: number; rows: Ranked[] } {
  const p: Profile = JSON.parse(readFileSync(path, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: Node) => {
    const f = n.callFrame;
    const file = f.url ? relative(root, f.url.replace(/^file:\/\//, "")) : "";
    return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sum = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    sum += dt;
    let id: number | undefined = p.samples[i];
    const leaf = byId.get(id!);
    if (!leaf) continue;
    const lk = keyOf(leaf);
    self.set(lk, (self.get(lk) ?? 0) + dt);
    // Inclusive: each distinct function on the stack once, so recursion is not double counted.
    const seen = new Set<string>();
    while (id !== undefined) {
      const n = byId.get(id);
      if (!n) break;
      const k = keyOf(n);
      if (!seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const rows = [...total.keys()].map((key) => ({ key, selfUs: self.get(key) ?? 0, totalUs: total.get(key) ?? 0 }));
  return { totalUs: sum, rows };
}
