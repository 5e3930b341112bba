import type { ProviderDef } from "../providers/registry.ts";
import type { Secrets } from "./schema.ts";

export type KeySource = "env" | "file";

export interface ResolvedKey {
  value: string;
  source: KeySource;
}

/**
 * The environment wins over secrets.json: a variable set for one run (CI, a shell) is the more
 * specific intent, the same precedence AWS and most SDKs use. `keys list` shows which one is used.
 */
export function resolveKey(def: ProviderDef, secrets: Secrets, env: NodeJS.ProcessEnv): ResolvedKey | null {
  const fromEnv = def.keyEnv ? env[def.keyEnv] : undefined;
  if (fromEnv) return { value: fromEnv, source: "env" };
  const fromFile = secrets[def.secretName];
  if (fromFile) return { value: fromFile, source: "file" };
  return null;
}

/** `sk-…abcd`: enough to tell two keys apart, never enough to use one. */
export function maskKey(key: string): string {
  if (key.length <= 8) return `…${key.slice(-2)}`;
  const dash = key.indexOf("-");
  const prefix = dash > 0 && dash <= 7 ? key.slice(0, dash + 1) : key.slice(0, 2);
  return `${prefix}…${key.slice(-4)}`;
}
