import { newToken, type TokenEntry } from "../auth/tokens.ts";
import type { Paths } from "../config/paths.ts";
import { Alias, AliasName, Config } from "../config/schema.ts";
import { editConfig, editTokens, readConfig, readTokens } from "./files.ts";

/**
 * The changes the CLI and the UI's settings API both make, with one validation: a change that is
 * refused writes nothing, and the message names what to fix (and `param`, the field, for the API).
 */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly param: string | null = null,
    readonly reason: "invalid" | "not_found" | "in_use" = "invalid",
  ) {
    super(message);
  }
}

/** Adds or replaces an alias; the whole config is checked, so a target naming a missing alias or a loop is refused. */
export function putAlias(p: Paths, name: string, candidate: unknown): { existed: boolean; alias: Alias } {
  const n = AliasName.safeParse(name);
  if (!n.success) throw new SettingsError(`invalid alias name '${name}': ${n.error.issues[0]!.message}`, "name");
  const a = Alias.safeParse(candidate);
  const refOf = (i: number) => {
    const t = (candidate as { targets?: unknown[] })?.targets?.[i];
    return typeof t === "string" ? t : String((t as { model?: unknown })?.model ?? i);
  };
  if (!a.success) {
    const i = a.error.issues[0]!;
    if (i.path[0] === "targets" && i.path.length > 1) throw new SettingsError(`invalid target '${refOf(Number(i.path[1]))}': ${i.message}`, i.path.join("."));
    throw new SettingsError(`invalid ${i.path.join(".") || "alias"}: ${i.message}`, i.path.join(".") || null);
  }
  let existed = false;
  editConfig((c) => {
    existed = name in c.aliases;
    c.aliases[name] = a.data;
    const whole = Config.safeParse(c);
    if (!whole.success) {
      const issue = whole.error.issues[0]!;
      const mine = issue.path[1] === name && issue.path[2] === "targets";
      throw new SettingsError(
        `invalid target${mine ? ` '${refOf(Number(issue.path[3]))}'` : ""}: ${issue.message}; nothing was written`,
        issue.path.slice(2).join(".") || null,
      );
    }
  }, p);
  return { existed, alias: a.data };
}

export function removeAlias(p: Paths, name: string): void {
  if (!(name in readConfig(p).aliases)) throw new SettingsError(`no alias named '${name}'`, "name", "not_found");
  editConfig((c) => {
    delete c.aliases[name];
    const whole = Config.safeParse(c);
    if (!whole.success)
      throw new SettingsError(`${name} is used by another alias (${whole.error.issues[0]!.message}); remove that one first`, "name", "in_use");
  }, p);
}

/** A base URL for a provider in config.json (`providers.<name>.base_url`); null removes it. */
export function putBaseUrl(p: Paths, provider: string, baseUrl: string | null): void {
  editConfig((c) => {
    const entry = { ...(c.providers?.[provider] ?? {}) } as Record<string, unknown>;
    if (baseUrl === null) delete entry.base_url;
    else entry.base_url = baseUrl;
    const providers = { ...(c.providers ?? {}), [provider]: entry };
    if (!Object.keys(entry).length) delete providers[provider];
    const whole = Config.safeParse({ ...c, providers });
    if (!whole.success) throw new SettingsError(`invalid base URL: ${whole.error.issues[0]!.message}`, "base_url");
    c.providers = whole.data.providers;
  }, p);
}

/** A new token, returned in full once; only its hash is stored. */
export function createToken(p: Paths, name: string | undefined, admin: boolean): { token: string; entry: TokenEntry } {
  const existing = readTokens(p).tokens;
  const chosen = name ?? `token-${existing.length + 1}`;
  if (existing.some((t) => t.name === chosen && !t.revoked_at))
    throw new SettingsError(`a token named '${chosen}' exists; revoke it or pick another name`, "name", "in_use");
  const made = newToken(chosen, admin);
  editTokens((f) => {
    if (f.tokens.some((t) => t.name === chosen && !t.revoked_at))
      throw new SettingsError(`a token named '${chosen}' exists; revoke it or pick another name`, "name", "in_use");
    f.tokens.push(made.entry);
  }, p);
  return made;
}

export function revokeToken(p: Paths, which: string): TokenEntry {
  const hit = readTokens(p).tokens.find((t) => (t.id === which || t.name === which) && !t.revoked_at);
  if (!hit) throw new SettingsError(`no active token with id or name '${which}'`, "id", "not_found");
  editTokens((f) => {
    const t = f.tokens.find((x) => x.id === hit.id)!;
    t.revoked_at = new Date().toISOString();
  }, p);
  return hit;
}
