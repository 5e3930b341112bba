import { ensureHome, type Paths } from "../config/paths.ts";
import { PROVIDERS, type ProviderDef } from "../providers/registry.ts";
import { beginFileRotation, finishRotation, type Keyring, loadKeyring, masterKeyFile } from "./master-key.ts";
import { SealError } from "./seal.ts";
import { readSealedFile, secretRow, writeSealed } from "./sealed-file.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The names a provider's credentials are stored under: its one key, or its whole set (Bedrock). */
export const secretNames = (def: ProviderDef): string[] => (def.credentialFields ? def.credentialFields.map((f) => f.secret) : [def.secretName]);

/** Every sealed secret, opened; throws SealError (naming the row and the key ids) when one does not open. */
export async function openSealedSecrets(p: Paths, env: NodeJS.ProcessEnv): Promise<{ secrets: Record<string, string>; keyId: string | null }> {
  const stored = readSealedFile(p).secrets;
  const names = Object.keys(stored);
  const keyring = await loadKeyring(p, env);
  if (!names.length) return { secrets: {}, keyId: keyring?.current.keyId ?? null };
  if (!keyring)
    throw new SealError(
      `${join(p.home, "credentials.json")} holds sealed keys but there is no master key: set OPENTRACY_MASTER_KEY to the key they were sealed with, or restore ${masterKeyFile(p)}`,
    );
  const secrets: Record<string, string> = {};
  for (const name of names) secrets[name] = await keyring.open(stored[name]!, secretRow(name));
  return { secrets, keyId: keyring.current.keyId };
}

/**
 * What the engine uses: for each provider, its whole set from the sealed store when the store has
 * any of it, else from secrets.json. A set is never mixed from two places (a Bedrock access key
 * from one and a secret from the other would sign nothing valid).
 */
export function mergeSecrets(file: Record<string, string>, sealed: Record<string, string>): { secrets: Record<string, string>; sealed: Set<string> } {
  const secrets = { ...file };
  const fromStore = new Set<string>();
  for (const def of PROVIDERS.values()) {
    const names = secretNames(def);
    if (!names.some((n) => n in sealed)) continue;
    for (const n of names) {
      delete secrets[n];
      if (n in sealed) {
        secrets[n] = sealed[n]!;
        fromStore.add(n);
      }
    }
  }
  return { secrets, sealed: fromStore };
}

/** Seals a provider's credentials, replacing its whole stored set, and makes the master key if there is none yet. */
export async function storeProviderKey(p: Paths, env: NodeJS.ProcessEnv, def: ProviderDef, values: Record<string, string>): Promise<Keyring> {
  ensureHome(p);
  const keyring = (await loadKeyring(p, env, { create: true }))!;
  const change: Record<string, string | null> = {};
  for (const n of secretNames(def)) change[n] = n in values ? await keyring.seal(values[n]!, secretRow(n)) : null;
  writeSealed(p, change);
  return keyring;
}

/** Removes a provider's sealed set; false when none was stored. */
export function removeProviderKey(p: Paths, def: ProviderDef): boolean {
  const stored = readSealedFile(p).secrets;
  const names = secretNames(def).filter((n) => n in stored);
  if (!names.length) return false;
  writeSealed(p, Object.fromEntries(names.map((n) => [n, null])));
  return true;
}

export interface Rotation {
  resealed: number;
  from: string[];
  to: string;
  /** Set when the key lives in the environment: the operator must change the variable everywhere. */
  envKey: boolean;
}

/**
 * Re-seals every stored secret under the current master key. On the file key it first makes a new
 * one (keeping the old as master.key.previous until every secret is re-sealed; an interrupted run
 * is finished by the next). With OPENTRACY_MASTER_KEY the operator has already put the new key
 * there and the old one in OPENTRACY_MASTER_KEY_PREVIOUS. Nothing is lost at any step: every
 * secret is opened before anything is written, and written back in one atomic replace.
 */
export async function rotateMasterKey(p: Paths, env: NodeJS.ProcessEnv): Promise<Rotation> {
  const envKey = Boolean(env.OPENTRACY_MASTER_KEY);
  if (!envKey) {
    const resuming = existsSync(join(p.home, "master.key.previous"));
    if (!resuming) {
      if (!(await loadKeyring(p, env))) throw new SealError("there is no master key yet: nothing has been sealed, so there is nothing to rotate");
      beginFileRotation(p);
    }
  }
  const keyring = (await loadKeyring(p, env))!;
  for (let tries = 0; tries < 5; tries++) {
    const stored = readSealedFile(p).secrets;
    const change: Record<string, string> = {};
    const from = new Set<string>();
    for (const [name, sealed] of Object.entries(stored)) {
      const plain = await keyring.open(sealed, secretRow(name));
      from.add(sealed.split(".")[1]!);
      change[name] = await keyring.seal(plain, secretRow(name));
    }
    if (writeSealed(p, change, stored)) {
      if (!envKey) finishRotation(p);
      return { resealed: Object.keys(change).length, from: [...from], to: keyring.current.keyId, envKey };
    }
  }
  throw new SealError("credentials.json kept changing during the rotation; run it again");
}

/** The keys a CLI command sees, as the engine would: secrets.json and the sealed store, merged. */
export async function storedKeys(
  p: Paths,
  env: NodeJS.ProcessEnv,
  file: Record<string, string>,
): Promise<{ secrets: Record<string, string>; sealed: Set<string> }> {
  return mergeSecrets(file, (await openSealedSecrets(p, env)).secrets);
}
