// The shapes of /api/settings/ answers (README, "The JSON API", Settings). Written out here rather
// than imported: the engine's modules behind them read files and the environment, which the
// browser project does not type.

export interface ProviderRow {
  name: string;
  protocol: string;
  /** Defined in config.json (`opentracy provider add`) rather than built in. */
  custom: boolean;
  takes_key: boolean;
  key_env: string | null;
  /** Several credentials (Bedrock), named as the provider's own variables; `hidden` for the secret ones. */
  fields: { env: string; required: boolean; hidden?: boolean }[] | null;
  /** `source`: `env OPENAI_API_KEY`, `sealed` or `file`; `from`: the variable or file, as a person looks for it. */
  key: { masked: string; source: string; from: string } | null;
  base_url: string;
  /** The variable or config.json field the base URL comes from; null for the default. */
  base_url_source: string | null;
  base_url_env: string;
  default_base_url: string;
  problem: string | null;
}

export interface TestResult {
  provider: string;
  verdict: "ok" | "key_rejected" | "http_error" | "unreachable" | "not_checked" | "not_configured";
  message: string;
  status: number | null;
  latency_ms: number | null;
}

export type AliasTarget = string | { model: string; weight?: number };

export interface AliasConfig {
  targets: AliasTarget[];
  strategy?: "fallback" | "weighted";
  params?: Record<string, unknown>;
  retry?: Record<string, number>;
}

/** What `route explain <alias> --json` prints. */
export interface Explanation {
  requested: string;
  alias: string | null;
  strategy: "fallback" | "weighted";
  retry: { max_attempts: number; deadline_ms: number } & Record<string, number>;
  params: Record<string, unknown> | null;
  targets: {
    target: string;
    weight: number;
    key: string | null;
    key_source: string | null;
    problem: string | null;
    health: "ok" | "cooling_down" | "trying_again" | null;
    cooling_until: string | null;
    price_per_million: { input: number; output: number; cache_read?: number; cache_write?: number } | null;
  }[];
}

export interface AliasEntry {
  name: string;
  alias: AliasConfig;
  explain: Explanation;
}

export interface TokenRow extends TokenLimits {
  id: string;
  name: string;
  admin: boolean;
  created_at: string;
  revoked_at: string | null;
  /** The engine's spend counter for the token (what its budgets are checked against). */
  spend?: { day: number; month: number; total: number; unpriced: number };
}

/** A token's limits as the settings API takes and gives them. */
export interface TokenLimits {
  budget?: { day?: number; month?: number; total?: number; soft?: boolean };
  rpm?: number;
  tpm?: number;
  allow?: string[];
  expires_at?: string;
}

export interface AuditRow {
  ts: string;
  actor: string;
  action: string;
  target: string;
  detail: string | null;
}

export interface List<T> {
  data: T[];
}
