/**
 * Every upstream the engine knows, by the name used as the model prefix (`groq/llama-3.3-70b`).
 * Adding an OpenAI-dialect provider is one row here; a new wire protocol is a new module under
 * src/providers/ plus its name in `Protocol`.
 */
export type Protocol = "openai" | "anthropic" | "gemini" | "bedrock" | "azure" | "cohere";

export interface ProviderDef {
  name: string;
  protocol: Protocol;
  /** Default base URL, following the provider's official SDK convention (docs/ARCHITECTURE.md, "Translation rules"). */
  baseUrl: string;
  baseUrlEnv: string;
  /** Environment variable holding the key; null for providers that take none (ollama). */
  keyEnv: string | null;
  /** Name of the key in secrets.json. */
  secretName: string;
  /** Provider id in the price catalogue (@pydantic/genai-prices); null when it has none. */
  priceProvider: string | null;
  /**
   * Providers whose credentials are several values (Bedrock): `keys set` asks for each, named as
   * the provider's own environment variables. The first one is `secretName`/`keyEnv`.
   */
  credentialFields?: ReadonlyArray<{ env: string; secret: string; required: boolean; hidden: boolean }>;
  /** Defined in config.json (`providers.<name>` with a protocol) rather than built in. */
  custom?: boolean;
  /** Takes no key at all (`"key": "none"`): none is sent, not even a stored one. */
  keyless?: boolean;
}

function openaiDialect(name: string, baseUrl: string, priceProvider: string | null = name): ProviderDef {
  const upper = name.toUpperCase();
  return {
    name,
    protocol: "openai",
    baseUrl,
    baseUrlEnv: `${upper}_BASE_URL`,
    keyEnv: `${upper}_API_KEY`,
    secretName: `${name}_api_key`,
    priceProvider,
  };
}

const defs: ProviderDef[] = [
  openaiDialect("openai", "https://api.openai.com/v1"),
  openaiDialect("groq", "https://api.groq.com/openai/v1"),
  openaiDialect("mistral", "https://api.mistral.ai/v1"),
  openaiDialect("deepseek", "https://api.deepseek.com/v1"),
  // Perplexity serves chat completions at the root, without a version segment.
  openaiDialect("perplexity", "https://api.perplexity.ai"),
  openaiDialect("cerebras", "https://api.cerebras.ai/v1"),
  openaiDialect("sambanova", "https://api.sambanova.ai/v1", null),
  openaiDialect("together", "https://api.together.xyz/v1"),
  openaiDialect("fireworks", "https://api.fireworks.ai/inference/v1"),
  openaiDialect("xai", "https://api.x.ai/v1", "x-ai"),
  openaiDialect("openrouter", "https://openrouter.ai/api/v1"),
  // Local: no key, and no catalogue entry (pricing treats it as free).
  { ...openaiDialect("ollama", "http://localhost:11434/v1", null), keyEnv: null },
  {
    name: "anthropic",
    protocol: "anthropic",
    baseUrl: "https://api.anthropic.com",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    keyEnv: "ANTHROPIC_API_KEY",
    secretName: "anthropic_api_key",
    priceProvider: "anthropic",
  },
  {
    name: "gemini",
    protocol: "gemini",
    baseUrl: "https://generativelanguage.googleapis.com",
    baseUrlEnv: "GEMINI_BASE_URL",
    keyEnv: "GEMINI_API_KEY",
    secretName: "gemini_api_key",
    priceProvider: "google",
  },
  {
    name: "cohere",
    protocol: "cohere",
    baseUrl: "https://api.cohere.com",
    baseUrlEnv: "COHERE_BASE_URL",
    keyEnv: "COHERE_API_KEY",
    secretName: "cohere_api_key",
    priceProvider: "cohere",
  },
  {
    name: "azure",
    protocol: "azure",
    baseUrl: "",
    baseUrlEnv: "AZURE_OPENAI_ENDPOINT",
    keyEnv: "AZURE_OPENAI_API_KEY",
    secretName: "azure_api_key",
    priceProvider: "azure",
  },
  {
    name: "bedrock",
    protocol: "bedrock",
    baseUrl: "",
    baseUrlEnv: "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    keyEnv: "AWS_ACCESS_KEY_ID",
    secretName: "aws_access_key_id",
    priceProvider: "aws",
    credentialFields: [
      { env: "AWS_ACCESS_KEY_ID", secret: "aws_access_key_id", required: true, hidden: false },
      { env: "AWS_SECRET_ACCESS_KEY", secret: "aws_secret_access_key", required: true, hidden: true },
      { env: "AWS_SESSION_TOKEN", secret: "aws_session_token", required: false, hidden: true },
      { env: "AWS_REGION", secret: "aws_region", required: false, hidden: false },
    ],
  },
];

export const PROVIDERS: ReadonlyMap<string, ProviderDef> = new Map(defs.map((d) => [d.name, d]));
export const PROVIDER_NAMES: readonly string[] = defs.map((d) => d.name);

export function getProvider(name: string): ProviderDef | undefined {
  return PROVIDERS.get(name);
}

/**
 * Bare model names people type without a prefix. Ordered: the first matching prefix wins,
 * so longer, more specific prefixes come first.
 */
const WELL_KNOWN: ReadonlyArray<[RegExp, string]> = [
  [/^(gpt-|chatgpt-|o[134](-|$)|text-embedding-|davinci|babbage|omni-moderation)/, "openai"],
  [/^claude/, "anthropic"],
  [/^(gemini|gemma)/, "gemini"],
  [/^(command|c4ai-)/, "cohere"],
  [/^(mistral|mixtral|codestral|ministral|magistral|devstral|pixtral|open-mistral)/, "mistral"],
  [/^deepseek/, "deepseek"],
  [/^grok/, "xai"],
  [/^(sonar|r1-1776)/, "perplexity"],
];

export function providerForBareModel(model: string): string | undefined {
  for (const [re, provider] of WELL_KNOWN) if (re.test(model)) return provider;
  return undefined;
}
