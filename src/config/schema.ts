import { z } from "zod";
import { PROVIDERS } from "../providers/registry.ts";
import { parseClickHouseUrl } from "../traces/clickhouse/url.ts";

/**
 * `provider/model`. Whether the provider exists is checked on the whole config (checkProviderRefs):
 * it may be one defined under `providers` in the same file.
 */
export const ModelRef = z.string().regex(/^[a-z0-9-]+\/.+$/, "must be provider/model, e.g. openai/gpt-4o");

export const AliasName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits, '.', '_', ':' and '-' only, no '/'")
  .max(128)
  // Names every JavaScript object has ("constructor", "toString") would break config.json's aliases object.
  .refine((name) => !(name in Object.prototype), "this name is reserved; choose another");

/** An alias target: `provider/model`, or the name of another alias (expanded in place). */
export const TargetRef = z.string().superRefine((s, ctx) => {
  // Checked by form rather than as a union, so the message says what is wrong with this form.
  const r = (s.includes("/") ? ModelRef : AliasName).safeParse(s);
  if (!r.success) ctx.addIssue({ code: "custom", message: r.error.issues[0].message });
});

const WeightedTarget = z.strictObject({ model: TargetRef, weight: z.number().positive().optional() });

/** A bare reference, or one with a weight; one schema so errors name the real problem. */
const AliasTarget = z.custom<string | z.infer<typeof WeightedTarget>>().superRefine((v, ctx) => {
  const r = typeof v === "string" ? TargetRef.safeParse(v) : WeightedTarget.safeParse(v);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
});

/** Retry behaviour; every field optional so an alias can override one of them. */
export const RetryPolicy = z.strictObject({
  /** Tries per target, the first included. */
  max_attempts: z.number().int().min(1).max(10).optional(),
  backoff_base_ms: z.number().int().nonnegative().optional(),
  backoff_max_ms: z.number().int().nonnegative().optional(),
  /** A Retry-After longer than this is not waited for: the next target is tried instead. */
  retry_after_max_ms: z.number().int().nonnegative().optional(),
  /** No retry or fallback starts later than this after the request arrived. */
  deadline_ms: z.number().int().positive().optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const Alias = z.strictObject({
  /** Ordered: the first is the primary, the rest are fallbacks. */
  targets: z.array(AliasTarget).min(1),
  /** fallback: first healthy target, then the next; weighted: first pick by weight, then the others in order. */
  strategy: z.enum(["fallback", "weighted"]).optional(),
  /** Request fields set on every request through this alias (max_tokens, temperature, ...). */
  params: z.record(z.string(), z.unknown()).optional(),
  retry: RetryPolicy.optional(),
});
export type Alias = z.infer<typeof Alias>;

export const Routing = z.strictObject({
  retry: RetryPolicy.optional(),
  /** Until the upstream's response headers (and a stream's first chunk) arrive, per attempt. */
  first_byte_timeout_ms: z.number().int().positive().optional(),
  /** Longest silence between two chunks of a stream or body once it flows. */
  idle_timeout_ms: z.number().int().positive().optional(),
  cooldown: z
    .strictObject({
      /** Consecutive failures that open the circuit. */
      failures: z.number().int().min(1).optional(),
      period_ms: z.number().int().positive().optional(),
    })
    .optional(),
});
export type Routing = z.infer<typeof Routing>;

/** The protocols a provider defined in config.json may speak: any OpenAI-compatible server, or Anthropic's Messages API. */
export const CUSTOM_PROTOCOLS = ["openai", "anthropic"] as const;

/**
 * `providers.<name>`: for a built-in provider, an override (base_url, headers); for any other
 * name, a new provider (protocol and base_url required; its key from key_env, from `keys set
 * <name>`, or "key": "none"). Which fields a name may have is checked by checkProviderDefs.
 */
export const ProviderOverride = z.strictObject({
  protocol: z.enum(CUSTOM_PROTOCOLS, { error: `must be ${CUSTOM_PROTOCOLS.join(" or ")} (openai: any OpenAI-compatible server)` }).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name, e.g. VLLM_API_KEY")
    .optional(),
  key: z.literal("none", { error: 'must be "none" (the server takes no key); for a key use key_env or opentracy keys set' }).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type ProviderOverride = z.infer<typeof ProviderOverride>;

/** A new provider's name: the prefix of `name/model`, so the same characters a model reference allows before its slash. */
export const CustomProviderName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and '-' only (it is the prefix in name/model)")
  .max(64)
  .refine((name) => !(name in Object.prototype), "this name is reserved; choose another");

/** USD per million tokens; cache rates default to the input rate. */
export const PriceOverride = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cache_read: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
});

export const Config = z
  .strictObject({
    server: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
        max_body_bytes: z.number().int().positive().optional(),
        max_messages: z.number().int().positive().optional(),
        max_json_depth: z.number().int().min(4).optional(),
        /** A non-stream upstream answer larger than this is refused with 502. */
        max_response_bytes: z.number().int().positive().optional(),
        /** Requests being answered at once; more get 429 with Retry-After instead of a queue. */
        max_concurrent_requests: z.number().int().positive().optional(),
        /** Time allowed to send the request headers and body (slow senders are cut off). */
        request_timeout_ms: z.number().int().positive().optional(),
        /** SIGTERM waits this long for in-flight requests and streams before closing them. */
        shutdown_timeout_ms: z.number().int().nonnegative().optional(),
        /** Browser origins allowed to call the API (CORS); none by default, "*" for any. */
        cors_origins: z.array(z.string().min(1)).optional(),
        /** true: GET /metrics answers without a token (for a scraper on a private network). */
        metrics_public: z.boolean().optional(),
        /** Engine processes serving the port together (`serve --workers`); 1 by default. */
        workers: z.number().int().min(1).max(256).optional(),
        tls_cert: z.string().min(1).optional(),
        tls_key: z.string().min(1).optional(),
      })
      .optional(),
    aliases: z.record(AliasName, Alias).default({}),
    routing: Routing.optional(),
    providers: z.record(z.string(), ProviderOverride).default({}),
    prices: z.record(ModelRef, PriceOverride).default({}),
    traces: z
      .strictObject({
        /** false: no traces at all (OPENTRACY_TRACES wins over it). */
        enabled: z.boolean().optional(),
        content: z.boolean().optional(),
        redact: z.boolean().optional(),
        max_file_bytes: z.number().int().positive().optional(),
        /** Background writer: a batch at least every flush_ms, and at most batch_size traces per batch. */
        flush_ms: z.number().int().positive().optional(),
        batch_size: z.number().int().positive().optional(),
        /** Sends traces to ClickHouse instead of the local store; --clickhouse and OPENTRACY_CLICKHOUSE_URL win over it. */
        clickhouse_url: z
          .string()
          .refine((v) => {
            try {
              parseClickHouseUrl(v);
              return true;
            } catch {
              return false;
            }
          }, "must be http[s]://user:password@host:8123/database")
          .optional(),
        /** Days ClickHouse keeps traces (0 or absent: forever); servers older than 22.3 have no TTL. */
        clickhouse_ttl_days: z.number().int().min(0).optional(),
        /** Days to keep traces, in either store (ClickHouse: clickhouse_ttl_days wins when both are set). */
        retention_days: z.number().int().min(1).optional(),
        /** Days to keep prompts and answers; after that a trace stays without them. */
        content_retention_days: z.number().int().min(1).optional(),
        /** Per-request timeout towards ClickHouse. */
        clickhouse_timeout_ms: z.number().int().positive().optional(),
      })
      .optional(),
  })
  .superRefine(checkAliasGraph)
  .superRefine(checkProviderDefs)
  .superRefine(checkProviderRefs);
export type Config = z.infer<typeof Config>;

const NEW_ONLY = ["protocol", "key_env", "key"] as const;

/** A built-in name takes only overrides; any other name is a new provider and needs what the engine cannot guess. */
function checkProviderDefs(c: { providers?: unknown }, ctx: z.RefinementCtx): void {
  const providers = c.providers;
  if (!providers || typeof providers !== "object") return;
  for (const [name, entry] of Object.entries(providers as Record<string, unknown>)) {
    if (!entry || typeof entry !== "object") continue;
    const e = entry as Record<string, unknown>;
    const at = (field: string, message: string) => ctx.addIssue({ code: "custom", path: ["providers", name, field], message });
    if (PROVIDERS.has(name)) {
      for (const f of NEW_ONLY)
        if (f in e) at(f, `${name} is a built-in provider: providers.${name} overrides only base_url and headers (pick another name for a new provider)`);
      continue;
    }
    const n = CustomProviderName.safeParse(name);
    if (!n.success) {
      ctx.addIssue({ code: "custom", path: ["providers", name], message: `invalid provider name: ${n.error.issues[0]!.message}` });
      continue;
    }
    if (!("protocol" in e)) at("protocol", `${name} is not a built-in provider, so it is a new one and needs a protocol (${CUSTOM_PROTOCOLS.join(" or ")})`);
    if (!("base_url" in e)) at("base_url", `${name} is a new provider and needs a base_url (e.g. http://localhost:8000/v1)`);
    if ("key_env" in e && "key" in e) at("key", 'key "none" and key_env contradict each other; keep one');
  }
}

/** The providers a config can route to: the registry's and the valid new ones it defines. */
function knownProviders(c: { providers?: unknown }): Set<string> {
  const known = new Set(PROVIDERS.keys());
  const providers = c.providers;
  if (providers && typeof providers === "object")
    for (const [name, e] of Object.entries(providers as Record<string, unknown>))
      if (!PROVIDERS.has(name) && e && typeof e === "object" && "protocol" in e) known.add(name);
  return known;
}

/** Every `provider/model` in aliases and prices must name a known provider. */
function checkProviderRefs(c: { aliases?: unknown; prices?: unknown; providers?: unknown }, ctx: z.RefinementCtx): void {
  const known = knownProviders(c);
  const unknown = (ref: string) => {
    const provider = ref.slice(0, ref.indexOf("/"));
    return known.has(provider) ? null : `unknown provider '${provider}'; known: ${[...known].join(", ")} (a new one is defined under providers.${provider})`;
  };
  const aliases = c.aliases;
  if (aliases && typeof aliases === "object")
    for (const [name, a] of Object.entries(aliases as Record<string, { targets?: unknown }>)) {
      if (!Array.isArray(a?.targets)) continue;
      a.targets.forEach((t, i) => {
        const ref = refOf(t);
        const problem = ref?.includes("/") ? unknown(ref) : null;
        if (problem) ctx.addIssue({ code: "custom", path: ["aliases", name, "targets", i], message: problem });
      });
    }
  const prices = c.prices;
  if (prices && typeof prices === "object")
    for (const ref of Object.keys(prices)) {
      const problem = ref.includes("/") ? unknown(ref) : null;
      if (problem) ctx.addIssue({ code: "custom", path: ["prices", ref], message: problem });
    }
}

// The graph check runs even when fields failed their own checks: it must tolerate any shape.
const refOf = (t: unknown): string | null => (typeof t === "string" ? t : typeof (t as any)?.model === "string" ? (t as any).model : null);

/** Alias targets that name aliases must name existing ones, and no chain may lead back to itself. */
function checkAliasGraph(c: { aliases: Record<string, Alias> }, ctx: z.RefinementCtx): void {
  const aliases = c.aliases;
  if (!aliases || typeof aliases !== "object") return;
  for (const [name, a] of Object.entries(aliases)) {
    if (!Array.isArray(a?.targets)) continue;
    a.targets.forEach((t, i) => {
      const ref = refOf(t);
      if (ref !== null && !ref.includes("/") && !Object.hasOwn(aliases, ref)) {
        ctx.addIssue({ code: "custom", path: ["aliases", name, "targets", i], message: `no alias named '${ref}' (targets are provider/model or an alias)` });
      }
    });
  }
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    const at = path.indexOf(name);
    if (at >= 0) {
      ctx.addIssue({ code: "custom", path: ["aliases", path[0]], message: `alias cycle: ${[...path.slice(at), name].join(" → ")}` });
      return;
    }
    const targets = aliases[name]?.targets;
    for (const t of Array.isArray(targets) ? targets : []) {
      const ref = refOf(t);
      if (ref !== null && !ref.includes("/") && Object.hasOwn(aliases, ref)) visit(ref, [...path, name]);
    }
    done.add(name);
  };
  for (const name of Object.keys(aliases)) visit(name, []);
}

/** Flat map of secret name (e.g. `openai_api_key`) to value. */
export const Secrets = z.record(z.string().regex(/^[a-z0-9_]+$/), z.string().min(1));
export type Secrets = z.infer<typeof Secrets>;
