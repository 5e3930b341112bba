// The machine a result came from: numbers from different machines are not comparable, so the
// table always carries this.

import { readFileSync } from "node:fs";
import { availableParallelism, release } from "node:os";

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  bun: string;
  node: string;
  date: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const mem = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? NaN);
  const node = Bun.which("node") ? Bun.spawnSync(["node", "--version"]).stdout.toString().trim() : "not installed";
  return {
    nproc: availableParallelism(),
    cpu: model,
    memoryGiB: Math.round((mem / 1024 / 1024) * 10) / 10,
    kernel: release(),
    bun: Bun.version,
    node,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}
