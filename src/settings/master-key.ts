import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../fs/write-atomic.ts";
import type { Paths } from "../config/paths.ts";
import { MASTER_KEY_BYTES, SealError, Sealer, sealedKeyId } from "./seal.ts";

/**
 * The master key that seals stored provider keys: `OPENTRACY_MASTER_KEY` (32 random bytes, base64),
 * else `master.key` in OPENTRACY_HOME, created 0600 on the first secret sealed. It is never written
 * to ClickHouse, never logged and never sent to the UI; only its key id (seal.ts) is shown.
 *
 * During a rotation a previous key opens what is still sealed under it: `OPENTRACY_MASTER_KEY_PREVIOUS`,
 * or `master.key.previous`, which `keys rotate-master` writes before it replaces `master.key`, so a
 * crash at any step leaves every secret openable.
 */
export class Keyring {
  constructor(
    readonly current: Sealer,
    readonly previous: readonly Sealer[] = [],
    /** Where the current key came from, for messages: the variable or the file. */
    readonly source: string,
  ) {}

  seal(plain: string, row: string): Promise<string> {
    return this.current.seal(plain, row);
  }

  open(sealed: string, row: string): Promise<string> {
    const id = sealedKeyId(sealed);
    const sealer = this.previous.find((s) => s.keyId === id) ?? this.current;
    return sealer.open(sealed, row);
  }
}

export const masterKeyFile = (p: Paths) => join(p.home, "master.key");
export const previousKeyFile = (p: Paths) => join(p.home, "master.key.previous");

/** A new master key, as stored and as OPENTRACY_MASTER_KEY takes it. */
export const newMasterKey = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(MASTER_KEY_BYTES))).toString("base64");

function decode(text: string, where: string): Uint8Array {
  const t = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, t.includes("-") || t.includes("_") ? "base64url" : "base64") : Buffer.alloc(0);
  if (bytes.length !== MASTER_KEY_BYTES)
    throw new SealError(
      `${where} must be ${MASTER_KEY_BYTES} random bytes in base64 (make one with: openssl rand -base64 32); it decodes to ${bytes.length} bytes`,
    );
  return new Uint8Array(bytes);
}

function readKeyFile(path: string): string | null {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e: any) {
    if (e?.code === "ENOENT") return null;
    throw e;
  }
  if (mode & 0o077) throw new SealError(`${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  return readFileSync(path, "utf8");
}

/**
 * The keyring, or null when there is no master key yet (nothing has been sealed, or the file was
 * never made). `create` makes `master.key` when neither the variable nor the file exists.
 */
export async function loadKeyring(p: Paths, env: NodeJS.ProcessEnv, opts: { create?: boolean } = {}): Promise<Keyring | null> {
  const previous: Sealer[] = [];
  const prevText = env.OPENTRACY_MASTER_KEY_PREVIOUS || readKeyFile(previousKeyFile(p));
  if (prevText)
    previous.push(await Sealer.fromMasterKey(decode(prevText, env.OPENTRACY_MASTER_KEY_PREVIOUS ? "OPENTRACY_MASTER_KEY_PREVIOUS" : previousKeyFile(p))));

  if (env.OPENTRACY_MASTER_KEY)
    return new Keyring(await Sealer.fromMasterKey(decode(env.OPENTRACY_MASTER_KEY, "OPENTRACY_MASTER_KEY")), previous, "OPENTRACY_MASTER_KEY");
  const path = masterKeyFile(p);
  let text = readKeyFile(path);
  if (text === null) {
    if (!opts.create) return null;
    text = createKeyFile(path);
  }
  return new Keyring(await Sealer.fromMasterKey(decode(text, path)), previous, path);
}

/**
 * Writes a new key file unless one appeared meanwhile (two CLIs sealing at once must agree on one
 * key): the key is written to a temp file and hard-linked into place, which fails if the name
 * exists, so the file is never seen half-written and never replaced. Returns the key in force.
 */
function createKeyFile(path: string): string {
  const tmp = `${path}.${process.pid}.${Bun.randomUUIDv7()}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${newMasterKey()}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (e: any) {
    if (e?.code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
  fsyncDir(dirname(path));
  return readFileSync(path, "utf8");
}

/**
 * Step one of a rotation on the file key: the current key becomes `master.key.previous` and a new
 * one takes `master.key`. Every secret still opens (by key id) until `finishRotation` removes the
 * previous key, which the caller does only once everything is sealed again under the new one.
 */
export function beginFileRotation(p: Paths): void {
  const current = readKeyFile(masterKeyFile(p));
  if (current === null) throw new SealError(`${masterKeyFile(p)} does not exist: there is nothing to rotate`);
  writeFileAtomic(previousKeyFile(p), current, 0o600);
  writeFileAtomic(masterKeyFile(p), `${newMasterKey()}\n`, 0o600);
}

export function finishRotation(p: Paths): void {
  try {
    unlinkSync(previousKeyFile(p));
    fsyncDir(p.home);
  } catch (e: any) {
    if (e?.code !== "ENOENT") throw e;
  }
}
