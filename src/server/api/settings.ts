import { z } from "zod";
import type { TokenEntry } from "../../auth/tokens.ts";
import { ConfigFileError } from "../../config/files.ts";
import type { LiveSettings } from "../../config/live.ts";
import { ApiError } from "../../errors/vocabulary.ts";
import { openaiErrorResponse } from "../../openai/errors.ts";
import { resolveBaseUrl } from "../../providers/base-url.ts";
import { keySourceLabel, keySourceName, maskKey, resolveKey } from "../../providers/credentials.ts";
import { probeProvider } from "../../providers/probe.ts";
import { providersOf } from "../../config/custom-providers.ts";
import type { ProviderDef } from "../../providers/registry.ts";
import { explainRoute } from "../../routing/explain.ts";
import { prepareTarget } from "../../routing/attempt.ts";
import type { TargetHealth } from "../../routing/health.ts";
import { readAuditLog, recordAudit } from "../../settings/audit.ts";
import { showToken } from "../../budgets/describe.ts";
import type { TokenGuard } from "../../budgets/guard.ts";
import { allTokens, createToken, putAlias, putBaseUrl, removeAlias, revokeToken, SettingsError, updateToken } from "../../settings/changes.ts";
import { removePlainKey } from "../../settings/files.ts";
import type { SharedFeed } from "../../settings/shared-feed.ts";
import type { SharedSettingsStore } from "../../settings/shared-store.ts";
import type { SettingsTarget } from "../../settings/target.ts";
import { removeProviderKey, storeProviderKey } from "../../settings/provider-keys.ts";
import { SealError } from "../../settings/seal.ts";

/**
 * The UI's settings pages, as JSON under /api/settings/: provider keys and base URLs, aliases,
 * tokens, and the audit log. Only an admin token, or an open loopback engine, may call them. Every
 * change goes through the same functions the CLI uses (settings/changes.ts, provider-keys.ts), is
 * recorded in the audit log, and is in force when the answer arrives (the engine reloads first).
 * No answer ever holds key material: keys appear masked, tokens in full only once, at creation.
 */
export interface SettingsDeps {
  settings: LiveSettings;
  env: NodeJS.ProcessEnv;
  health: TargetHealth;
  /** The shared ClickHouse store, when configured: changes to keys, aliases and tokens go there. */
  shared: SharedSettingsStore | null;
  sharedFeed: SharedFeed | null;
  /** The tokens' spend as the engine checks it (the ledger); absent: lists show no spend. */
  tokenGuard?: Pick<TokenGuard, "ledger">;
}

const target = (deps: SettingsDeps): SettingsTarget => ({ p: deps.settings.paths, env: deps.env, shared: deps.shared });

/** The change is in force before the answer goes: the shared store is read again, then the files. */
async function refresh(deps: SettingsDeps): Promise<void> {
  await deps.sharedFeed?.poll();
  await deps.settings.reload();
}

type Handler = (req: Request & { params: Record<string, string> }, deps: SettingsDeps, actor: string) => Promise<Response> | Response;

const TEST_TIMEOUT_MS = 5000;
const AUDIT_LIMIT = 200;

/** Admin only; errors in OpenAI's shape, with the status the refusal deserves. */
export function settingsHandler(deps: SettingsDeps, handler: Handler) {
  return async (req: Request, token: TokenEntry | null): Promise<Response> => {
    try {
      if (token && !token.admin)
        throw new ApiError("admin_required", `Token '${token.name}' is not an admin token; settings need one (opentracy tokens create --admin).`);
      return await handler(req as Request & { params: Record<string, string> }, deps, token ? `token ${token.name}` : "local");
    } catch (e) {
      if (e instanceof ApiError) return openaiErrorResponse(e);
      if (e instanceof SettingsError) {
        const code = e.reason === "not_found" ? "setting_not_found" : e.reason === "in_use" ? "setting_in_use" : "invalid_value";
        return openaiErrorResponse(new ApiError(code, e.message, e.param));
      }
      // A settings file broken by hand, or keys that do not open: nothing was written.
      if (e instanceof ConfigFileError || e instanceof SealError)
        return openaiErrorResponse(new ApiError("settings_unusable", `${e.message} (nothing was changed)`));
      throw e;
    }
  };
}

async function body<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new ApiError("invalid_json", "The body is not valid JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiError("invalid_value", `${issue.path.join(".") || "body"}: ${issue.message}`, issue.path.join(".") || null);
  }
  return parsed.data;
}

/** A provider by name: built in, or defined in config.json (as the engine sees it now). */
function providerOf(name: string | undefined, deps: SettingsDeps): ProviderDef {
  const providers = providersOf(deps.settings.current.config);
  const def = name ? providers.get(name) : undefined;
  if (!def) throw new ApiError("setting_not_found", `Unknown provider '${name}'. Known: ${[...providers.keys()].join(", ")}.`, "provider");
  return def;
}

/** One provider as the Integrations page shows it: where its key and base URL come from, never the key. */
function providerRow(def: ProviderDef, deps: SettingsDeps) {
  const s = deps.settings.current;
  const key = resolveKey(def, s.secrets, deps.env, s.sealed);
  const base = resolveBaseUrl(def, s.config.providers?.[def.name]?.base_url, deps.env);
  const prepared = prepareTarget({ provider: def, model: "", ref: def.name, weight: 1 }, s, deps.env);
  return {
    name: def.name,
    protocol: def.protocol,
    /** Defined in config.json (`opentracy provider add`) rather than built in. */
    custom: def.custom === true,
    takes_key: def.keyEnv !== null,
    key_env: def.keyEnv,
    fields: def.credentialFields?.map((f) => ({ env: f.env, required: f.required, hidden: f.hidden })) ?? null,
    key: key ? { masked: maskKey(key.value), source: keySourceLabel(def, key.source), from: keySourceName(def, key.source) } : null,
    base_url: base.url,
    base_url_source: base.source,
    base_url_env: def.baseUrlEnv,
    default_base_url: def.baseUrl,
    /** Why a request could not be sent now (no key, Azure without its endpoint), in the engine's words. */
    problem: "error" in prepared ? prepared.error.message : null,
  };
}

const json = (value: unknown, status = 200) => Response.json(value, { status });

const KeyBody = z.union([
  z.strictObject({ key: z.string().trim().min(1, "the key is empty").regex(/^\S+$/, "the key contains white space") }),
  z.strictObject({ fields: z.record(z.string(), z.string().trim()) }),
]);

/** The values to seal, by secret name, from `{key}` or Bedrock's `{fields: {AWS_ACCESS_KEY_ID: …}}`. */
function credentialValues(def: ProviderDef, b: z.output<typeof KeyBody>): Record<string, string> {
  if (!def.keyEnv) throw new ApiError("invalid_value", `${def.name} takes no API key.`, "provider");
  if (!def.credentialFields) {
    if (!("key" in b)) throw new ApiError("invalid_value", `${def.name} takes one key: send {"key": "..."}.`, "key");
    return { [def.secretName]: b.key };
  }
  if (!("fields" in b))
    throw new ApiError(
      "invalid_value",
      `${def.name} takes several values: send {"fields": {${def.credentialFields.map((f) => `"${f.env}": "..."`).join(", ")}}}.`,
      "fields",
    );
  const known = new Map(def.credentialFields.map((f) => [f.env, f.secret]));
  const out: Record<string, string> = {};
  for (const [env, value] of Object.entries(b.fields)) {
    const secret = known.get(env);
    if (!secret) throw new ApiError("invalid_value", `${env} is not one of ${[...known.keys()].join(", ")}.`, `fields.${env}`);
    if (value) out[secret] = value;
  }
  const missing = def.credentialFields.filter((f) => f.required && !out[f.secret]).map((f) => f.env);
  if (missing.length) throw new ApiError("invalid_value", `${def.name} needs ${missing.join(" and ")}.`, `fields.${missing[0]}`);
  return out;
}

export const SETTINGS: Record<string, Handler> = {
  providers: (_req, deps) => json({ data: [...providersOf(deps.settings.current.config).values()].map((d) => providerRow(d, deps)) }),

  async putKey(req, deps, actor) {
    const def = providerOf(req.params.name, deps);
    const values = credentialValues(def, await body(req, KeyBody));
    const t = target(deps);
    await storeProviderKey(t, def, values, actor);
    removePlainKey(def, t.p);
    await recordAudit(t, { actor, action: "key.set", target: def.name });
    await refresh(deps);
    return json(providerRow(def, deps));
  },

  async deleteKey(req, deps, actor) {
    const def = providerOf(req.params.name, deps);
    const t = target(deps);
    const sealed = await removeProviderKey(t, def, actor);
    const plain = removePlainKey(def, t.p);
    if (!sealed && !plain)
      throw new ApiError(
        "setting_not_found",
        `No ${def.name} key is stored${def.keyEnv && deps.env[def.keyEnv] ? ` (the one in use comes from ${def.keyEnv}, which only the engine's environment can change)` : ""}.`,
        "provider",
      );
    await recordAudit(t, { actor, action: "key.remove", target: def.name });
    await refresh(deps);
    return json(providerRow(def, deps));
  },

  async putBaseUrl(req, deps, actor) {
    const def = providerOf(req.params.name, deps);
    const { base_url } = await body(req, z.strictObject({ base_url: z.url({ protocol: /^https?$/ }).nullable() }));
    const t = target(deps);
    putBaseUrl(t, def.name, base_url);
    await recordAudit(t, { actor, action: "base_url.set", target: def.name, detail: base_url ?? "default" });
    await refresh(deps);
    return json(providerRow(def, deps));
  },

  /** One authenticated call to the provider with the key in use (doctor --online's probe); the answer holds only the verdict. */
  async testProvider(req, deps) {
    const def = providerOf(req.params.name, deps);
    const prepared = prepareTarget({ provider: def, model: "", ref: def.name, weight: 1 }, deps.settings.current, deps.env);
    if ("error" in prepared) return json({ provider: def.name, verdict: "not_configured", message: prepared.error.message, status: null, latency_ms: null });
    const r = await probeProvider(prepared.target, TEST_TIMEOUT_MS);
    const message = {
      ok: `Key accepted in ${r.latency_ms} ms.`,
      key_rejected: `The provider rejected the key (HTTP ${r.status}).`,
      http_error: `The provider answered HTTP ${r.status}; check the base URL (${prepared.target.baseUrl}).`,
      unreachable: `No answer from ${r.origin} (${r.reason}).`,
      not_checked: "Not checked: this provider's runtime API has no free authenticated call; a first request tells.",
    }[r.verdict];
    return json({ provider: def.name, verdict: r.verdict, message, status: r.status, latency_ms: r.latency_ms });
  },

  aliases(_req, deps) {
    const s = deps.settings.current;
    const health = deps.health.snapshot();
    const data = Object.entries(s.config.aliases).map(([name, alias]) => ({ name, alias, explain: explainRoute(name, s, deps.env, health) }));
    return json({ data });
  },

  async putAlias(req, deps, actor) {
    const name = req.params.name ?? "";
    const t = target(deps);
    const { existed, alias } = await putAlias(t, name, await body(req, z.unknown()), actor);
    await recordAudit(t, { actor, action: "alias.set", target: name, detail: alias.targets.map((x) => (typeof x === "string" ? x : x.model)).join(" → ") });
    await refresh(deps);
    const s = deps.settings.current;
    return json({ name, alias, explain: explainRoute(name, s, deps.env, deps.health.snapshot()) }, existed ? 200 : 201);
  },

  async deleteAlias(req, deps, actor) {
    const name = req.params.name ?? "";
    const t = target(deps);
    await removeAlias(t, name, actor);
    await recordAudit(t, { actor, action: "alias.remove", target: name });
    await refresh(deps);
    return json({ name, deleted: true });
  },

  async tokens(_req, deps) {
    // The spend is the engine's ledger: the number its budgets are checked against.
    return json({ data: (await allTokens(target(deps))).map(({ entry }) => showToken(entry, deps.tokenGuard?.ledger.get(entry.name))) });
  },

  async createToken(req, deps, actor) {
    const b = await body(req, z.looseObject({ name: z.string().trim().min(1).max(64).optional(), admin: z.boolean().default(false) }));
    const { name, admin, ...limits } = b;
    const t = target(deps);
    // The limits (budget, rpm, tpm, allow, expires_at) are checked by the same schema as the CLI's.
    const { token, entry } = await createToken(t, name, admin, actor, limits);
    await recordAudit(t, { actor, action: "token.create", target: entry.name, detail: entry.admin ? "admin" : null });
    await refresh(deps);
    const { hash: _hash, ...shown } = entry;
    // The only time the token is ever seen: only its hash is kept.
    return json({ ...shown, token }, 201);
  },

  async updateToken(req, deps, actor) {
    const change = await body(req, z.record(z.string(), z.unknown()));
    const t = target(deps);
    const entry = await updateToken(t, req.params.id ?? "", change, actor);
    await recordAudit(t, { actor, action: "token.update", target: entry.name });
    await refresh(deps);
    return json(showToken(entry, deps.tokenGuard?.ledger.get(entry.name)));
  },

  async revokeToken(req, deps, actor) {
    const t = target(deps);
    const hit = await revokeToken(t, req.params.id ?? "", actor);
    await recordAudit(t, { actor, action: "token.revoke", target: hit.name });
    await refresh(deps);
    return json({ id: hit.id, name: hit.name, revoked: true });
  },

  async audit(_req, deps) {
    return json({ data: await readAuditLog(target(deps), AUDIT_LIMIT) });
  },
};
