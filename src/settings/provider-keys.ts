import { existsSync } from "node:fs";
import { ensureHome, type Paths } from "../config/paths.ts";
import type { KeyStore } from "../providers/credentials.ts";
import { PROVIDERS, type ProviderDef } from "../providers/registry.ts";
import { beginFileRotation, finishRotation, type Keyring, loadKeyring, masterKeyFile, previousKeyFile } from "./master-key.ts";
import { SealError } from "./seal.ts";
import { readSealedFile, sealedFilePath, secretRow, writeSealed } from "./sealed-file.ts";
import type { SettingsTarget } from "./target.ts";

/** The names a provider's credentials are stored under: its one key, or its whole set (Bedrock). */
export const secretNames = (def: ProviderDef): string[] => (def.credentialFields ? def.credentialFields.map((f) => f.secret) : [def.secretName]);

/** The sealed texts opened with the keyring; throws SealError (naming the row and the key ids) when one does not open. */
async function openAll(stored: Record<string, string>, keyring: Keyring | null, where: string, p: Paths): Promise<Record<string, string>> {
  const names = Object.keys(stored);
  if (!names.length) return {};
  if (!keyring)
    throw new SealError(
      `${where} holds sealed keys but there is no master key: set OPENTRACY_MASTER_KEY to the key they were sealed with, or restore ${masterKeyFile(p)}`,
    );
  const secrets: Record<string, string> = {};
  for (const name of names) secrets[name] = await keyring.open(stored[name]!, secretRow(name));
  return secrets;
}

/** Every secret in credentials.json, opened. */
export async function openSealedSecrets(p: Paths, env: NodeJS.ProcessEnv): Promise<{ secrets: Record<string, string>; keyId: string | null }> {
  const keyring = await loadKeyring(p, env);
  return { secrets: await openAll(readSealedFile(p).secrets, keyring, sealedFilePath(p), p), keyId: keyring?.current.keyId ?? null };
}

/**
 * Every stored key as the engine uses it: secrets.json, then credentials.json, then the shared
 * store's (still sealed, as read from ClickHouse), the sealed ones opened with one keyring.
 */
export async function openStoredSecrets(
  p: Paths,
  env: NodeJS.ProcessEnv,
  file: Record<string, string>,
  shared?: { secrets: Record<string, string>; where: string },
): Promise<{ secrets: Record<string, string>; sealed: Map<string, KeyStore> }> {
  const keyring = await loadKeyring(p, env);
  const local = await openAll(readSealedFile(p).secrets, keyring, sealedFilePath(p), p);
  const fromShared = shared ? await openAll(shared.secrets, keyring, shared.where, p) : {};
  return mergeSecrets(file, ["sealed", local], ["clickhouse", fromShared]);
}

/**
 * What the engine uses: secrets.json, then each store in order (credentials.json, then the shared
 * ClickHouse store), a later one taking a provider's whole set when it has any of it. A set is
 * never mixed from two places (a Bedrock access key from one and a secret from the other would
 * sign nothing valid).
 */
export function mergeSecrets(
  file: Record<string, string>,
  ...layers: [KeyStore, Record<string, string>][]
): { secrets: Record<string, string>; sealed: Map<string, KeyStore> } {
  const secrets = { ...file };
  const sealed = new Map<string, KeyStore>();
  // A name in no built-in set (a provider defined in config.json: one key each) is a set of its own.
  const builtIn = new Set([...PROVIDERS.values()].flatMap(secretNames));
  for (const [store, layer] of layers) {
    const sets = [
      ...[...PROVIDERS.values()].map(secretNames),
      ...Object.keys(layer)
        .filter((n) => !builtIn.has(n))
        .map((n) => [n]),
    ];
    for (const names of sets) {
      if (!names.some((n) => n in layer)) continue;
      for (const n of names) {
        delete secrets[n];
        sealed.delete(n);
        if (n in layer) {
          secrets[n] = layer[n]!;
          sealed.set(n, store);
        }
      }
    }
  }
  return { secrets, sealed };
}

/**
 * Seals a provider's credentials, replacing its whole stored set, in the target's store (the
 * shared ClickHouse one when configured), and makes the master key if there is none yet.
 */
export async function storeProviderKey(t: SettingsTarget, def: ProviderDef, values: Record<string, string>, actor: string): Promise<void> {
  ensureHome(t.p);
  const keyring = (await loadKeyring(t.p, t.env, { create: true }))!;
  const change: Record<string, string | null> = {};
  for (const n of secretNames(def)) change[n] = n in values ? await keyring.seal(values[n]!, secretRow(n)) : null;
  if (t.shared)
    await t.shared.put(
      Object.entries(change).map(([name, value]) => ({ kind: "secret" as const, name, value })),
      actor,
    );
  else writeSealed(t.p, change);
}

/** Removes a provider's sealed set from the target's store (and from credentials.json); false when none was stored. */
export async function removeProviderKey(t: SettingsTarget, def: ProviderDef, actor: string): Promise<boolean> {
  let removed = false;
  if (t.shared) {
    const stored = (await t.shared.read()).secrets;
    const names = secretNames(def).filter((n) => n in stored);
    await t.shared.put(
      names.map((name) => ({ kind: "secret" as const, name, value: null })),
      actor,
    );
    removed = names.length > 0;
  }
  const stored = readSealedFile(t.p).secrets;
  const names = secretNames(def).filter((n) => n in stored);
  if (names.length) writeSealed(t.p, Object.fromEntries(names.map((n) => [n, null])));
  return removed || names.length > 0;
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
export async function rotateMasterKey(t: SettingsTarget, actor: string): Promise<Rotation> {
  const { p, env } = t;
  const envKey = Boolean(env.OPENTRACY_MASTER_KEY);
  if (!envKey) {
    const resuming = existsSync(previousKeyFile(p));
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
    // The shared store first: it is re-read and re-written whole, and a file rotation is only
    // finished (the previous key deleted) once both are sealed under the new key.
    let shared = 0;
    if (t.shared) {
      const rows = (await t.shared.read()).secrets;
      const puts = [];
      for (const [name, sealed] of Object.entries(rows)) {
        from.add(sealed.split(".")[1]!);
        puts.push({ kind: "secret" as const, name, value: await keyring.seal(await keyring.open(sealed, secretRow(name)), secretRow(name)) });
      }
      await t.shared.put(puts, actor);
      shared = puts.length;
    }
    if (writeSealed(p, change, stored)) {
      if (!envKey) finishRotation(p);
      return { resealed: Object.keys(change).length + shared, from: [...from], to: keyring.current.keyId, envKey };
    }
  }
  throw new SealError("credentials.json kept changing during the rotation; run it again");
}

/** The keys a CLI command sees, as the engine would: secrets.json, credentials.json and the shared store, merged. */
export async function storedKeys(t: SettingsTarget, file: Record<string, string>): Promise<{ secrets: Record<string, string>; sealed: Map<string, KeyStore> }> {
  return openStoredSecrets(t.p, t.env, file, t.shared ? { secrets: (await t.shared.read()).secrets, where: t.shared.display } : undefined);
}
