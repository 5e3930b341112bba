import { z } from "zod";
import { PROVIDERS } from "../providers/registry.ts";

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
  .max(128);

export const Alias = z.strictObject({
  /** Ordered: the first is the primary, the rest are fallbacks (used by the routing layer). */
  targets: z.array(ModelRef).min(1),
});
export type Alias = z.infer<typeof Alias>;

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

export const Config = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).optional(),
      max_body_bytes: z.number().int().positive().optional(),
    })
    .optional(),
  aliases: z.record(AliasName, Alias).default({}),
  providers: z.record(z.string(), ProviderOverride).default({}),
  prices: z.record(ModelRef, PriceOverride).default({}),
  traces: z
    .strictObject({
      content: z.boolean().optional(),
      redact: z.boolean().optional(),
      max_file_bytes: z.number().int().positive().optional(),
    })
    .optional(),
});
export type Config = z.infer<typeof Config>;

/** Flat map of secret name (e.g. `openai_api_key`) to value. */
export const Secrets = z.record(z.string().regex(/^[a-z0-9_]+$/), z.string().min(1));
export type Secrets = z.infer<typeof Secrets>;
