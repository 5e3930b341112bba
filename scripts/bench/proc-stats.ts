// What the kernel knows about a process, read from /proc so that every target (Bun, Node,
// anything) is measured the same way, from outside, without cooperation.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";

let clkTck = 0;

/** Clock ticks per second for /proc/<pid>/stat times (100 on every Linux we know, but ask). */
function ticksPerSecond(): number {
  if (!clkTck) {
    const r = Bun.spawnSync(["getconf", "CLK_TCK"]);
    clkTck = Number(r.stdout.toString().trim()) || 100;
  }
  return clkTck;
}

/** User + system CPU time of the whole process (all threads), in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may contain spaces and parentheses; fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / ticksPerSecond();
}

function statusKb(pid: number, key: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) : NaN;
}

export const rssKb = (pid: number) => statusKb(pid, "VmRSS");
export const peakRssKb = (pid: number) => statusKb(pid, "VmHWM");

/**
 * Resets the peak RSS to the current RSS (Linux ≥ 4.0, needs write access to clear_refs), so a
 * peak can be attributed to one measurement. False when the kernel or permissions refuse.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

export function alive(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS and descriptors every `everyMs` until stopped; for memory that must stay flat. */
export function sampleWhile(pid: number, everyMs: number) {
  const rss: number[] = [];
  const fds: number[] = [];
  const timer = setInterval(() => {
    if (!alive(pid)) return;
    rss.push(rssKb(pid));
    fds.push(openFds(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { rss, fds, maxRssKb: Math.max(0, ...rss), maxFds: Math.max(0, ...fds.filter(Number.isFinite)) };
    },
  };
}
