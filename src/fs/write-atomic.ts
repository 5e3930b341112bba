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

/**
 * writeFileAtomic without blocking the event loop (the write and the fsyncs run on the thread
 * pool): for files written while requests are being served (`serve --record`'s cassettes).
 */
export async function writeFileAtomicAsync(path: string, data: string, mode: number): Promise<void> {
  const tmp = tempFor(path);
  const file = await open(tmp, "wx", mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (e) {
    await file.close();
    await unlink(tmp);
    throw e;
  }
  await file.close();
  await rename(tmp, path);
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
