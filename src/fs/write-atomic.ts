import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const tempFor = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${Bun.randomUUIDv7()}.tmp`);

/**
 * Replaces a file so that a crash, a full disk or a concurrent writer leaves either the old file
 * or the new one, never a truncated one: a temp file of its own in the same folder, written and
 * fsync'd, renamed over the target, then the folder fsync'd so the rename itself survives a crash.
 * `mode` applies from creation, so a secret is never readable by others even for a moment.
 */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = tempFor(path);
  const fd = openSync(tmp, "wx", mode);
  let renamed = false;
  try {
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) unlinkQuietly(tmp);
  }
  fsyncDir(dirname(path));
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing is left behind either way.
  }
}

/**
 * writeFileAtomic without blocking the event loop (the write and the fsyncs run on the thread
 * pool): for files written while requests are being served (`serve --record`'s cassettes).
 */
export async function writeFileAtomicAsync(path: string, data: string, mode: number): Promise<void> {
  const tmp = tempFor(path);
  const file = await open(tmp, "wx", mode);
  let renamed = false;
  try {
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
    renamed = true;
  } finally {
    // Whatever failed (the write, the fsync, the close, the rename), no temp file is left behind.
    if (!renamed) await unlink(tmp).catch(() => {});
  }
  try {
    const folder = await open(dirname(path), "r");
    await folder.sync().finally(() => folder.close());
  } catch {
    // As fsyncDir: some filesystems refuse fsync on a directory.
  }
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
  const tmp = tempFor(path);
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
      unlinkQuietly(tmp);
    },
  };
}
