import { ConfigFileError, readJsonFile, writeJsonAtomic } from "../config/files.ts";
import { ensureHome, paths, type Paths } from "../config/paths.ts";
import { Config, Secrets } from "../config/schema.ts";
import { withFileLock } from "../config/lock.ts";
import { TokenFile } from "../auth/tokens.ts";
import { CliError } from "./output.ts";

/**
 * Read-modify-write of the two files for the CLI. A file that fails validation is refused
 * with its path and field and left exactly as it is, so a typo is never "fixed" by deletion.
 */
function edit<T>(path: string, read: () => T, write: (v: T) => void, change: (v: T) => void): void {
  // Locked from read to rename, so two shells editing at once both land.
  withFileLock(path, () => {
    let value: T;
    try {
      value = read();
    } catch (e) {
      if (e instanceof ConfigFileError) throw new CliError(`${e.message}; fix it by hand (nothing was written)`);
      throw e;
    }
    change(value);
    write(value);
  });
}

export function readConfig(p: Paths = paths()): Config {
  try {
    return readJsonFile(p.config, Config, {});
  } catch (e) {
    if (e instanceof ConfigFileError) throw new CliError(`${e.message}; fix it by hand`);
    throw e;
  }
}

export function readSecrets(p: Paths = paths()): Secrets {
  try {
    return readJsonFile(p.secrets, Secrets, {});
  } catch (e) {
    if (e instanceof ConfigFileError) throw new CliError(`${e.message}; fix it by hand`);
    throw e;
  }
}

export function editConfig(change: (c: Config) => void, p: Paths = paths()): void {
  ensureHome(p);
  edit(p.config, () => readJsonFile(p.config, Config, {}), (c) => writeJsonAtomic(p.config, Config.parse(c), 0o600), change);
}

export function editSecrets(change: (s: Secrets) => void, p: Paths = paths()): void {
  ensureHome(p);
  edit(p.secrets, () => readJsonFile(p.secrets, Secrets, {}), (s) => writeJsonAtomic(p.secrets, s, 0o600), change);
}

export function readTokens(p: Paths = paths()): TokenFile {
  try {
    return readJsonFile(p.tokens, TokenFile, { tokens: [] });
  } catch (e) {
    if (e instanceof ConfigFileError) throw new CliError(`${e.message}; fix it by hand`);
    throw e;
  }
}

export function editTokens(change: (t: TokenFile) => void, p: Paths = paths()): void {
  ensureHome(p);
  edit(p.tokens, () => readJsonFile(p.tokens, TokenFile, { tokens: [] }), (t) => writeJsonAtomic(p.tokens, t, 0o600), change);
}
