import { closeSync, openSync, statSync, unlinkSync, writeSync } from "node:fs";

const STALE_MS = 30_000;
const WAIT_MS = 10_000;

/**
 * An exclusive lock for a read-modify-write of one file, across processes: two `keys set` in two
 * shells must both land, not the second overwrite the first. The lock is a file created with
 * O_EXCL; one left behind by a crashed process is taken over once it is clearly stale.
 */
export function withFileLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e: any) {
      if (e?.code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_MS) unlinkSync(lock);
      } catch {}
      if (Date.now() - started > WAIT_MS)
        throw new Error(`${path} is locked by another opentracy process (${lock}); remove the lock file if no other process is running`);
      // A CLI edit holds the lock for a millisecond or two: a short synchronous wait is enough.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {}
  }
}
