import { statSync } from "node:fs";
import type { z } from "zod";
import { TokenFile } from "../../auth/tokens.ts";
import { ConfigFileError, readJsonFile } from "../../config/files.ts";
import type { Paths } from "../../config/paths.ts";
import { Config, Secrets } from "../../config/schema.ts";
import type { KeyStore } from "../../providers/credentials.ts";
import { masterKeyFile } from "../../settings/master-key.ts";
import { mergeSecrets, openSealedSecrets } from "../../settings/provider-keys.ts";
import { SealError } from "../../settings/seal.ts";
import { SealedFile, sealedFilePath } from "../../settings/sealed-file.ts";
import { type Check, fail, info, pass } from "./check.ts";

export interface FileResults {
  checks: Check[];
  /** What the later checks read: a file that failed counts as empty, as if it were absent. */
  config: Config;
  /** secrets.json and the sealed store merged, as the engine merges them. */
  secrets: Secrets;
  sealed: ReadonlyMap<string, KeyStore>;
}

const mode = (path: string): number | null => {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
};

/** The home's mode, the private files' modes, whether each settings file parses and validates, and whether the sealed keys open. */
export async function checkFiles(p: Paths, env: NodeJS.ProcessEnv): Promise<FileResults> {
  const checks: Check[] = [];
  const home = mode(p.home);
  if (home === null) {
    checks.push(info("home", `${p.home} does not exist yet`, "opentracy keys set <provider> (creates it, mode 0700)"));
  } else if (home & 0o077) {
    // The engine tightens the home itself at start, so this alone does not stop it serving.
    checks.push(fail("home", `${p.home} is open to other users (mode ${home.toString(8)})`, `chmod 700 ${p.home}`, false));
  } else {
    checks.push(pass("home", `${p.home} is ${home.toString(8).padStart(4, "0")}`));
  }
  for (const path of [p.secrets, p.tokens, sealedFilePath(p), masterKeyFile(p)]) {
    const m = mode(path);
    // The engine refuses to start with keys readable by others.
    if (m !== null && m & 0o077) checks.push(fail("files", `${path} is readable by other users (mode ${m.toString(8)})`, `chmod 600 ${path}`));
  }
  const config = parse(checks, p.config, Config, {});
  const secrets = parse(checks, p.secrets, Secrets, {});
  parse(checks, p.tokens, TokenFile, { tokens: [] });
  const merged = mergeSecrets(secrets ?? {}, ["sealed", await openSealed(checks, p, env)]);
  return { checks, config: config ?? Config.parse({}), ...merged };
}

/** The sealed keys, opened as the engine opens them; a key that does not open fails the check (the engine refuses to start). */
async function openSealed(checks: Check[], p: Paths, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  if (!parse(checks, sealedFilePath(p), SealedFile, { version: 1, secrets: {} })) return {};
  try {
    const { secrets, keyId } = await openSealedSecrets(p, env);
    const n = Object.keys(secrets).length;
    if (n) checks.push(pass("keys", `${n} sealed secret${n === 1 ? "" : "s"} open under master key ${keyId}`));
    return secrets;
  } catch (e) {
    if (!(e instanceof SealError)) throw e;
    checks.push(
      fail("keys", e.message, "set OPENTRACY_MASTER_KEY to the key the secrets were sealed with, or store them again: opentracy keys set <provider>"),
    );
    return {};
  }
}

function parse<S extends z.ZodType>(checks: Check[], path: string, schema: S, empty: unknown): z.infer<S> | null {
  const exists = mode(path) !== null;
  try {
    const value = readJsonFile(path, schema, empty);
    checks.push(exists ? pass("files", `${path} is valid`) : info("files", `${path} is absent (defaults apply)`));
    return value;
  } catch (e) {
    if (!(e instanceof ConfigFileError)) throw e;
    // The message names the file and the line and column, or the field; the engine refuses it too.
    checks.push(fail("files", e.message.replace(/; fix or remove the file$/, ""), `edit ${path} there, or move it aside: mv ${path} ${path}.bad`));
    return null;
  }
}
