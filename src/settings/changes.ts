import { newToken, type TokenEntry, TokenLimits } from "../auth/tokens.ts";
import { Alias, AliasName, Config, type ProviderOverride } from "../config/schema.ts";
import { PROVIDERS } from "../providers/registry.ts";
import { editConfig, editTokens, readConfig, readTokens } from "./files.ts";
import type { SettingsTarget } from "./target.ts";

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

/** The aliases in force: config.json's, with the shared store's over them. */
async function allAliases(t: SettingsTarget): Promise<{ file: Config["aliases"]; shared: Record<string, Alias> }> {
  return { file: readConfig(t.p).aliases, shared: t.shared ? (await t.shared.read()).aliases : {} };
}

/** config.json with the shared store's aliases laid over it, as the engines see it. */
export async function configInForce(t: SettingsTarget): Promise<Config> {
  const config = readConfig(t.p);
  if (!t.shared) return config;
  const shared = (await t.shared.read()).aliases;
  return { ...config, aliases: { ...config.aliases, ...shared } };
}

/** A whole config with these aliases must validate: targets naming aliases must exist and no chain may loop. */
function checkWhole(config: Config, aliases: Record<string, Alias>, name: string, refOf: (i: number) => string): void {
  const whole = Config.safeParse({ ...config, aliases });
  if (!whole.success) {
    const issue = whole.error.issues[0]!;
    const mine = issue.path[1] === name && issue.path[2] === "targets";
    throw new SettingsError(
      `invalid target${mine ? ` '${refOf(Number(issue.path[3]))}'` : ""}: ${issue.message}; nothing was written`,
      issue.path.slice(2).join(".") || null,
    );
  }
}

/** Adds or replaces an alias, in the shared store when there is one, else in config.json; validated whole first. */
export async function putAlias(t: SettingsTarget, name: string, candidate: unknown, actor: string): Promise<{ existed: boolean; alias: Alias }> {
  const n = AliasName.safeParse(name);
  if (!n.success) throw new SettingsError(`invalid alias name '${name}': ${n.error.issues[0]!.message}`, "name");
  const a = Alias.safeParse(candidate);
  const refOf = (i: number) => {
    const target = (candidate as { targets?: unknown[] })?.targets?.[i];
    return typeof target === "string" ? target : String((target as { model?: unknown })?.model ?? i);
  };
  if (!a.success) {
    const i = a.error.issues[0]!;
    if (i.path[0] === "targets" && i.path.length > 1) throw new SettingsError(`invalid target '${refOf(Number(i.path[1]))}': ${i.message}`, i.path.join("."));
    throw new SettingsError(`invalid ${i.path.join(".") || "alias"}: ${i.message}`, i.path.join(".") || null);
  }
  if (t.shared) {
    const { file, shared } = await allAliases(t);
    const existed = name in file || name in shared;
    checkWhole(readConfig(t.p), { ...file, ...shared, [name]: a.data }, name, refOf);
    await t.shared.put([{ kind: "alias", name, value: JSON.stringify(a.data) }], actor);
    return { existed, alias: a.data };
  }
  let existed = false;
  editConfig((c) => {
    existed = name in c.aliases;
    checkWhole(c, { ...c.aliases, [name]: a.data }, name, refOf);
    c.aliases[name] = a.data;
  }, t.p);
  return { existed, alias: a.data };
}

/** Removes an alias from wherever it is (the shared store, config.json or both); refused while another alias names it. */
export async function removeAlias(t: SettingsTarget, name: string, actor: string): Promise<void> {
  const { file, shared } = await allAliases(t);
  if (!(name in file) && !(name in shared)) throw new SettingsError(`no alias named '${name}'`, "name", "not_found");
  const rest = { ...file, ...shared };
  delete rest[name];
  const whole = Config.safeParse({ ...readConfig(t.p), aliases: rest });
  if (!whole.success) throw new SettingsError(`${name} is used by another alias (${whole.error.issues[0]!.message}); remove that one first`, "name", "in_use");
  if (name in shared) await t.shared!.put([{ kind: "alias", name, value: null }], actor);
  if (name in file)
    editConfig((c) => {
      delete c.aliases[name];
    }, t.p);
}

/** A base URL for a provider in config.json (`providers.<name>.base_url`); null removes it. Per engine: it is where this engine reaches the provider. */
export function putBaseUrl(t: SettingsTarget, provider: string, baseUrl: string | null): void {
  editConfig((c) => {
    const entry = { ...(c.providers?.[provider] ?? {}) } as Record<string, unknown>;
    if (baseUrl === null) delete entry.base_url;
    else entry.base_url = baseUrl;
    const providers = { ...(c.providers ?? {}), [provider]: entry };
    if (!Object.keys(entry).length) delete providers[provider];
    const whole = Config.safeParse({ ...c, providers });
    if (!whole.success) throw new SettingsError(`invalid base URL: ${whole.error.issues[0]!.message}`, "base_url");
    c.providers = whole.data.providers;
  }, t.p);
}

/**
 * Defines (or redefines) a provider in config.json: `providers.<name>` with a protocol. A built-in
 * name is refused (its entry is an override, set with base URL commands); the definition is
 * validated with the whole file, so a refused one writes nothing.
 */
export function putProvider(t: SettingsTarget, name: string, definition: ProviderOverride): { existed: boolean } {
  if (PROVIDERS.has(name))
    throw new SettingsError(
      `${name} is a built-in provider: pick another name for a new one (a built-in's base URL and headers are overrides in providers.${name})`,
      "name",
      "in_use",
    );
  let existed = false;
  editConfig((c) => {
    existed = Object.hasOwn(c.providers, name);
    const whole = Config.safeParse({ ...c, providers: { ...c.providers, [name]: definition } });
    if (!whole.success) {
      const issue = whole.error.issues[0]!;
      const mine = issue.path[0] === "providers" && issue.path[1] === name;
      const field = mine ? issue.path.slice(2).join(".") : issue.path.join(".");
      throw new SettingsError(`invalid provider ${name}${field ? ` (${field})` : ""}: ${issue.message}; nothing was written`, field || "name");
    }
    c.providers = whole.data.providers;
  }, t.p);
  return { existed };
}

/** The aliases (file and shared) and prices that name `provider/…`: what keeps a provider from being removed. */
async function usersOf(t: SettingsTarget, provider: string): Promise<string[]> {
  const config = await configInForce(t);
  const refOf = (x: Alias["targets"][number]) => (typeof x === "string" ? x : x.model);
  const aliases = Object.entries(config.aliases)
    .filter(([, a]) => a.targets.some((x) => refOf(x).startsWith(`${provider}/`)))
    .map(([n]) => `alias ${n}`);
  const prices = Object.keys(config.prices)
    .filter((ref) => ref.startsWith(`${provider}/`))
    .map((ref) => `prices.${ref}`);
  return [...aliases, ...prices];
}

/** Removes a provider defined in config.json; refused while an alias or a price names it. */
export async function removeProvider(t: SettingsTarget, name: string): Promise<void> {
  if (PROVIDERS.has(name)) throw new SettingsError(`${name} is a built-in provider and cannot be removed`, "name", "in_use");
  const config = readConfig(t.p);
  if (!Object.hasOwn(config.providers, name)) throw new SettingsError(`no provider named '${name}' in config.json`, "name", "not_found");
  const users = await usersOf(t, name);
  if (users.length) throw new SettingsError(`${name} is used by ${users.join(", ")}; change or remove those first`, "name", "in_use");
  editConfig((c) => {
    const providers = { ...c.providers };
    delete providers[name];
    // Checked again under the lock: an alias added since would be left naming nothing.
    const whole = Config.safeParse({ ...c, providers });
    if (!whole.success) throw new SettingsError(`${name} is in use (${whole.error.issues[0]!.message}); nothing was written`, "name", "in_use");
    c.providers = whole.data.providers;
  }, t.p);
}

/** Every token, tokens.json's and the shared store's. */
export async function allTokens(t: SettingsTarget): Promise<{ entry: TokenEntry; shared: boolean }[]> {
  const file = readTokens(t.p).tokens.map((entry) => ({ entry, shared: false }));
  const shared = t.shared ? (await t.shared.read()).tokens.map((entry) => ({ entry, shared: true })) : [];
  return [...file, ...shared];
}

/** A new token, returned in full once; only its hash is stored (in the shared store when there is one). */
export async function createToken(
  t: SettingsTarget,
  name: string | undefined,
  admin: boolean,
  actor: string,
  limits: unknown = {},
): Promise<{ token: string; entry: TokenEntry }> {
  const checked = checkLimits(limits);
  const existing = await allTokens(t);
  const chosen = name ?? `token-${existing.length + 1}`;
  const taken = (list: { entry: TokenEntry }[]) => list.some(({ entry }) => entry.name === chosen && !entry.revoked_at);
  const refusal = () => new SettingsError(`a token named '${chosen}' exists; revoke it or pick another name`, "name", "in_use");
  if (taken(existing)) throw refusal();
  const made = newToken(chosen, admin, checked);
  if (t.shared) {
    await t.shared.put([{ kind: "token", name: made.entry.id, value: JSON.stringify(made.entry) }], actor);
    return made;
  }
  editTokens((f) => {
    if (taken(f.tokens.map((entry) => ({ entry })))) throw refusal();
    f.tokens.push(made.entry);
  }, t.p);
  return made;
}

export async function revokeToken(t: SettingsTarget, which: string, actor: string): Promise<TokenEntry> {
  const hit = (await allTokens(t)).find(({ entry }) => (entry.id === which || entry.name === which) && !entry.revoked_at);
  if (!hit) throw new SettingsError(`no active token with id or name '${which}'`, "id", "not_found");
  const revokedAt = new Date().toISOString();
  if (hit.shared) {
    await t.shared!.put([{ kind: "token", name: hit.entry.id, value: JSON.stringify({ ...hit.entry, revoked_at: revokedAt }) }], actor);
    return hit.entry;
  }
  editTokens((f) => {
    const e = f.tokens.find((x) => x.id === hit.entry.id)!;
    e.revoked_at = revokedAt;
  }, t.p);
  return hit.entry;
}

/** A token's limits validated; the message names the field (`budget.day`, `rpm`, ...). */
function checkLimits(limits: unknown): TokenLimits {
  const r = TokenLimits.safeParse(limits);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new SettingsError(`invalid ${i.path.join(".") || "limits"}: ${i.message}; nothing was written`, i.path.join(".") || null);
  }
  return r.data;
}

/**
 * Changes an active token's limits (budgets, rpm, tpm, allow, expiry). A field given as null is
 * removed; a field left out is kept; `budget` is replaced whole. Where the token lives (tokens.json
 * or the shared store), the change goes; a running engine applies it from its next reload.
 */
export async function updateToken(t: SettingsTarget, which: string, change: Record<string, unknown>, actor: string): Promise<TokenEntry> {
  const hit = (await allTokens(t)).find(({ entry }) => (entry.id === which || entry.name === which) && !entry.revoked_at);
  if (!hit) throw new SettingsError(`no active token with id or name '${which}'`, "id", "not_found");
  const merged: Record<string, unknown> = { ...hit.entry };
  for (const [k, v] of Object.entries(change)) {
    if (!(k in TokenLimits.shape)) throw new SettingsError(`'${k}' cannot be changed; a token's limits are ${Object.keys(TokenLimits.shape).join(", ")}`, k);
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const { id: _i, name: _n, hash: _h, admin: _a, created_at: _c, revoked_at: _r, ...limits } = merged;
  const next = { ...hit.entry, ...checkLimits(limits) } as TokenEntry;
  for (const k of Object.keys(TokenLimits.shape)) if (!(k in limits)) delete (next as Record<string, unknown>)[k];
  if (hit.shared) {
    await t.shared!.put([{ kind: "token", name: hit.entry.id, value: JSON.stringify(next) }], actor);
    return next;
  }
  editTokens((f) => {
    const i = f.tokens.findIndex((x) => x.id === hit.entry.id);
    f.tokens[i] = next;
  }, t.p);
  return next;
}
