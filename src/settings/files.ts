import type { z } from "zod";
import { TokenFile } from "../auth/tokens.ts";
import { ConfigFileError, readJsonFile, writeJsonAtomic } from "../config/files.ts";
import { withFileLock } from "../config/lock.ts";
import { ensureHome, paths, type Paths } from "../config/paths.ts";
import { Config, Secrets } from "../config/schema.ts";
import type { ProviderDef } from "../providers/registry.ts";
import type { KeyStore } from "../providers/credentials.ts";
import { secretNames, storedKeys } from "./provider-keys.ts";
import type { SettingsTarget } from "./target.ts";

/** One of the JSON files under OPENTRACY_HOME: where it is, what it must look like, what "absent" means. */
interface SettingsFile<S extends z.ZodType> {
  path: (p: Paths) => string;
  schema: S;
  empty: unknown;
}

const CONFIG: SettingsFile<typeof Config> = { path: (p) => p.config, schema: Config, empty: {} };
const SECRETS: SettingsFile<typeof Secrets> = { path: (p) => p.secrets, schema: Secrets, empty: {} };
const TOKENS: SettingsFile<typeof TokenFile> = { path: (p) => p.tokens, schema: TokenFile, empty: { tokens: [] } };

/** A file that fails validation is refused (ConfigFileError) with its path and field, and left exactly as it is. */
function read<S extends z.ZodType>(f: SettingsFile<S>, p: Paths, afterMessage = ""): z.infer<S> {
  try {
    return readJsonFile(f.path(p), f.schema, f.empty);
  } catch (e) {
    if (e instanceof ConfigFileError && afterMessage) throw new ConfigFileError(`${e.message}${afterMessage}`);
    throw e;
  }
}

/**
 * Read-modify-write, locked from read to rename so two shells editing at once both land; the
 * result is validated before it is written, so a change can never leave a file the engine refuses.
 */
function edit<S extends z.ZodType>(f: SettingsFile<S>, change: (v: z.infer<S>) => void, p: Paths): void {
  ensureHome(p);
  const path = f.path(p);
  withFileLock(path, () => {
    const value = read(f, p, " (nothing was written)");
    change(value);
    writeJsonAtomic(path, f.schema.parse(value), 0o600);
  });
}

export const readConfig = (p: Paths = paths()): Config => read(CONFIG, p);

/** secrets.json and the sealed store merged, as the engine sees them; a key that will not open throws SealError. */
export async function readKeys(t: SettingsTarget): Promise<{ secrets: Secrets; sealed: ReadonlyMap<string, KeyStore> }> {
  return storedKeys(t, read(SECRETS, t.p));
}
export const readSecrets = (p: Paths = paths()): Secrets => read(SECRETS, p);
export const readTokens = (p: Paths = paths()): TokenFile => read(TOKENS, p);
export const editConfig = (change: (c: Config) => void, p: Paths = paths()): void => edit(CONFIG, change, p);
export const editSecrets = (change: (s: Secrets) => void, p: Paths = paths()): void => edit(SECRETS, change, p);
export const editTokens = (change: (t: TokenFile) => void, p: Paths = paths()): void => edit(TOKENS, change, p);

/** Drops a provider's plain-text copy from secrets.json (its whole set); false when there was none. */
export function removePlainKey(def: ProviderDef, p: Paths = paths()): boolean {
  const names = secretNames(def);
  if (!names.some((n) => n in readSecrets(p))) return false;
  editSecrets((s) => {
    for (const n of names) delete s[n];
  }, p);
  return true;
}
