import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Replaces a file so that a crash, a full disk or a concurrent writer leaves either the old file
 * or the new one, never a truncated one: a temp file of its own in the same folder, written and
 * fsync'd, renamed over the target, then the folder fsync'd so the rename itself survives a crash.
 * `mode` applies from creation, so a secret is never readable by others even for a moment.
 */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Bun.randomUUIDv7()}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file's own data is synced already.
  }
}

/** A file written in pieces that appears under its name only when complete. */
export interface AtomicFile {
  write(data: string | Uint8Array): void;
  /** fsync, rename over the target, fsync the folder. */
  commit(): void;
  /** Removes the partial file; the target is left as it was. */
  abort(): void;
}

/**
 * writeFileAtomic for content too large to hold: the pieces go to the temp file as they come,
 * and the target name only ever holds a finished file (or whatever it held before).
 */
export function openFileAtomic(path: string, mode: number): AtomicFile {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Bun.randomUUIDv7()}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write(data) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    },
    commit() {
      fsyncSync(fd);
      close();
      renameSync(tmp, path);
      fsyncDir(dirname(path));
    },
    abort() {
      close();
      try {
        unlinkSync(tmp);
      } catch {
        // Already gone: nothing is left behind either way.
      }
    },
  };
}
