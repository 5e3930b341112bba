import { z } from "zod";
import { PROVIDERS } from "../providers/registry.ts";
import { parseClickHouseUrl } from "../traces/clickhouse/url.ts";

/** `provider/model`: the provider part is checked against the registry by the loader, not here. */
export const ModelRef = z
  .string()
  .regex(/^[a-z0-9-]+\/.+$/, "must be provider/model, e.g. openai/gpt-4o")
  .refine((s) => PROVIDERS.has(s.slice(0, s.indexOf("/"))), {
    message: `unknown provider; known: ${[...PROVIDERS.keys()].join(", ")}`,
  });

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

export const ProviderOverride = z.strictObject({
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type ProviderOverride = z.infer<typeof ProviderOverride>;

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
  .superRefine(checkAliasGraph);
export type Config = z.infer<typeof Config>;

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
