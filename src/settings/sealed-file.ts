import { join } from "node:path";
import { z } from "zod";
import { readJsonFile, writeJsonAtomic } from "../config/files.ts";
import { withFileLock } from "../config/lock.ts";
import { ensureHome, type Paths } from "../config/paths.ts";

/**
 * `credentials.json` in OPENTRACY_HOME: provider keys sealed under the master key (seal.ts), by the
 * same names secrets.json uses. 0600, written atomically under the same cross-process lock as the
 * other settings files. It holds only sealed text, so a copy of the folder without the master key
 * (OPENTRACY_MASTER_KEY kept elsewhere) gives away no key.
 */
export const SealedFile = z.strictObject({
  version: z.literal(1),
  secrets: z.record(z.string().regex(/^[a-z0-9_]+$/), z.string().startsWith("ots1.")),
});
export type SealedFile = z.infer<typeof SealedFile>;

const EMPTY: SealedFile = { version: 1, secrets: {} };

export const sealedFilePath = (p: Paths) => join(p.home, "credentials.json");

/** The associated data of a secret: its row. A sealed key moved onto another name will not open. */
export const secretRow = (name: string) => `secret/${name}`;

export function readSealedFile(p: Paths): SealedFile {
  return readJsonFile(sealedFilePath(p), SealedFile, EMPTY);
}

/**
 * Applies `change` to the stored sealed texts (null removes a name) and writes the file, locked from
 * read to rename. `expect`, when given, must equal what is stored now, or nothing is written and the
 * call returns false: a rotation re-seals what it read, and must not undo a `keys set` made meanwhile.
 */
export function writeSealed(p: Paths, change: Record<string, string | null>, expect?: Record<string, string>): boolean {
  ensureHome(p);
  const path = sealedFilePath(p);
  return withFileLock(path, () => {
    const file = readSealedFile(p);
    if (expect && !sameEntries(expect, file.secrets)) return false;
    for (const [name, sealed] of Object.entries(change)) {
      if (sealed === null) delete file.secrets[name];
      else file.secrets[name] = sealed;
    }
    writeJsonAtomic(path, SealedFile.parse(file), 0o600);
    return true;
  });
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
