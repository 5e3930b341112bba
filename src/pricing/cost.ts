import { getProvider } from "../providers/registry.ts";
import { calcPrice, type MatchLogic, type ModelPrice, type Provider } from "@pydantic/genai-prices";

/** USD per million tokens, as written by the user in config.json under `provider/model`. */
export interface PriceOverride {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

/**
 * Token counts of one call, in the gateway's own usage semantics (docs/ARCHITECTURE.md, "Translation rules"):
 * `input_tokens` is the whole prompt — uncached + cache reads + cache writes — and
 * `reasoning_tokens` are already inside `output_tokens`, as OpenAI reports them.
 */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
}

export interface PricePerMillion {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

/** Ollama runs on the user's own machine: nobody bills per token, so its cost is a true 0. */
const FREE_LOCAL_PROVIDERS: ReadonlySet<string> = new Set(["ollama"]);

/**
 * What a `provider/model` resolved to in the catalogue: a one-model provider wrapping the
 * catalogue entry, so each call can hand it straight back to `calcPrice` (which still picks the
 * price in force today and applies tiers by prompt size) without scanning the catalogue again.
 */
interface Resolved {
  provider: Provider;
  modelId: string;
  /** Per-token rates, plain or tiered by prompt size, when that is all the entry has: priced here (~1 µs) without calcPrice (15–60 µs). */
  rates: TokenRates | null;
  /** When the memo entry stops being trusted: catalogue prices can change on a date. */
  until: number;
}

/** USD per million tokens: one rate, or a base rate that later tiers replace once the prompt is longer than their start. */
type Rate = number | { base: number; tiers: readonly { start: number; price: number }[] };

export interface TokenRates {
  input_mtok: Rate;
  output_mtok: Rate;
  cache_read_mtok?: Rate;
  cache_write_mtok?: Rate;
}

const TOKEN_KEYS: ReadonlySet<string> = new Set(["input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"]);
// Rates for units our usage never reports (tool searches, 1-hour cache writes): they add nothing
// to what calcPrice would compute from our usage, so they do not stop the fast path.
const UNREPORTED_KEYS: ReadonlySet<string> = new Set([
  "web_searches_kcount",
  "storage_searches_kcount",
  "social_searches_kcount",
  "rerank_searches_kcount",
  "cache_write_1h_mtok",
]);
const MEMO_TTL_MS = 60 * 60 * 1000;

/** The rates, when every price of the entry is a token rate (plain or tiered) we can apply ourselves. */
export function tokenRates(prices: ModelPrice): TokenRates | null {
  for (const [k, v] of Object.entries(prices)) {
    if (v === undefined || UNREPORTED_KEYS.has(k)) continue;
    if (!TOKEN_KEYS.has(k) || !isRate(v)) return null;
  }
  if (prices.input_mtok === undefined || prices.output_mtok === undefined) return null;
  return prices as unknown as TokenRates;
}

function isRate(v: unknown): v is Rate {
  if (typeof v === "number") return true;
  const t = v as { base?: unknown; tiers?: unknown } | null;
  return (
    typeof t === "object" &&
    t !== null &&
    typeof t.base === "number" &&
    Array.isArray(t.tiers) &&
    t.tiers.every((x: any) => typeof x?.start === "number" && typeof x?.price === "number")
  );
}

/** The catalogue's tier rule: the rate of the highest tier whose start the prompt is longer than, else the base. */
function rateFor(rate: Rate, promptTokens: number): number {
  if (typeof rate === "number") return rate;
  let price = rate.base;
  let start = -Infinity;
  for (const t of rate.tiers) {
    if (promptTokens > t.start && t.start > start) {
      price = t.price;
      start = t.start;
    }
  }
  return price;
}

/** The catalogue's own arithmetic (and ours for overrides): cache parts at their rate, else the input rate; tiers by the whole prompt. */
export function tokenCost(r: TokenRates, u: Usage): number {
  const cacheRead = u.cache_read_tokens ?? 0;
  const cacheWrite = u.cache_write_tokens ?? 0;
  const uncached = u.input_tokens - cacheRead - cacheWrite;
  const at = (rate: Rate) => rateFor(rate, u.input_tokens);
  return (
    (uncached * at(r.input_mtok) +
      cacheRead * at(r.cache_read_mtok ?? r.input_mtok) +
      cacheWrite * at(r.cache_write_mtok ?? r.input_mtok) +
      u.output_tokens * at(r.output_mtok)) /
    1e6
  );
}

const MEMO_LIMIT = 512;
const memo = new Map<string, Resolved | null>();

/** Usage for a catalogue lookup that must not fail on arithmetic. */
const PROBE_USAGE = { input_tokens: 0, output_tokens: 0 } as const;

/**
 * USD for one call, or null when the model has no known price (unknown model, provider without a
 * catalogue entry, priced in units we do not measure, or inconsistent usage). Never a guess.
 */
export function costUSD(provider: string, model: string, usage: Usage, overrides?: Record<string, PriceOverride>): number | null {
  if (!usageIsValid(usage)) return null;
  const override = overrides?.[`${provider}/${model}`];
  if (override) return killFloatNoise(costFromOverride(override, usage));
  if (FREE_LOCAL_PROVIDERS.has(provider)) return 0;

  const resolved = resolve(provider, model);
  if (!resolved) return null;
  if (resolved.rates) return killFloatNoise(tokenCost(resolved.rates, usage));
  try {
    const result = calcPrice(catalogueUsage(usage), resolved.modelId, { provider: resolved.provider });
    if (!result || !pricesTextTokens(result.model_price)) return null;
    return killFloatNoise(result.total_price);
  } catch {
    // The catalogue refuses usage whose parts exceed their whole (e.g. cache reads above the
    // prompt total); a price computed from such numbers would be made up.
    return null;
  }
}

/**
 * Rates in USD per million tokens in force now, for display. Tiered catalogue rates show their
 * base tier (the rate for prompts below the first threshold).
 */
export function pricePerMillion(provider: string, model: string, overrides?: Record<string, PriceOverride>): PricePerMillion | null {
  const override = overrides?.[`${provider}/${model}`];
  if (override) {
    return {
      input: override.input,
      output: override.output,
      cache_read: override.cache_read ?? override.input,
      cache_write: override.cache_write ?? override.input,
    };
  }
  if (FREE_LOCAL_PROVIDERS.has(provider)) return { input: 0, output: 0, cache_read: 0, cache_write: 0 };

  const resolved = resolve(provider, model);
  if (!resolved) return null;
  let prices: ModelPrice;
  try {
    const result = calcPrice(PROBE_USAGE, resolved.modelId, { provider: resolved.provider });
    if (!result) return null;
    prices = result.model_price;
  } catch {
    return null;
  }
  if (!pricesTextTokens(prices)) return null;
  const out: PricePerMillion = { input: baseRate(prices.input_mtok) ?? 0, output: baseRate(prices.output_mtok) ?? 0 };
  const cacheRead = baseRate(prices.cache_read_mtok);
  const cacheWrite = baseRate(prices.cache_write_mtok);
  if (cacheRead !== undefined) out.cache_read = cacheRead;
  if (cacheWrite !== undefined) out.cache_write = cacheWrite;
  return out;
}

function usageIsValid(u: Usage): boolean {
  const parts = [u.input_tokens, u.output_tokens, u.cache_read_tokens ?? 0, u.cache_write_tokens ?? 0, u.reasoning_tokens ?? 0];
  if (!parts.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)) return false;
  return (u.cache_read_tokens ?? 0) + (u.cache_write_tokens ?? 0) <= u.input_tokens;
}

function costFromOverride(o: PriceOverride, u: Usage): number {
  // Reasoning is inside output_tokens and an override has one output rate, so it adds nothing here.
  return tokenCost({ input_mtok: o.input, output_mtok: o.output, cache_read_mtok: o.cache_read, cache_write_mtok: o.cache_write }, u);
}

function catalogueUsage(u: Usage): Record<string, number> {
  const out: Record<string, number> = { input_tokens: u.input_tokens, output_tokens: u.output_tokens };
  if (u.cache_read_tokens) out.cache_read_tokens = u.cache_read_tokens;
  if (u.cache_write_tokens) out.cache_write_tokens = u.cache_write_tokens;
  // The catalogue treats reasoning as a part of output_tokens: it bills it separately only for
  // models that list a reasoning rate, and at the output rate otherwise — no double count.
  if (u.reasoning_tokens) out.output_reasoning_tokens = u.reasoning_tokens;
  return out;
}

/**
 * A catalogue entry priced only in other units (audio hours for whisper-1) would come out as 0
 * for a token count; that 0 would be invented, so such entries count as unpriced. An entry with
 * no prices at all is the catalogue saying "free" (moderation) and stays 0.
 */
function pricesTextTokens(prices: ModelPrice): boolean {
  const keys = Object.keys(prices).filter((k) => prices[k] !== undefined);
  return keys.length === 0 || keys.includes("input_mtok") || keys.includes("output_mtok");
}

function baseRate(v: ModelPrice[string]): number | undefined {
  if (v === undefined) return undefined;
  return typeof v === "number" ? v : v.base;
}

// Binary floating point turns 0.175 into 0.17500000000000002; 1e-12 USD is far below any price.
function killFloatNoise(usd: number): number {
  return Number(usd.toFixed(12));
}

function resolve(provider: string, model: string): Resolved | null {
  const key = `${provider}/${model}`;
  const hit = memo.get(key);
  if (hit !== undefined && (hit === null || hit.until > Date.now())) return hit;
  const resolved = lookUp(provider, model);
  // Model names come from clients, so the memo is bounded; dropping the oldest entry is enough.
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(key, resolved);
  return resolved;
}

function lookUp(provider: string, model: string): Resolved | null {
  // The registry names each provider's catalogue id; one without (sambanova) has no known price,
  // rather than one borrowed from another provider serving a model of the same name.
  const providerId = getProvider(provider)?.priceProvider;
  if (!providerId) return null;
  const modelId = model.trim().toLowerCase();
  if (!modelId) return null;
  let found;
  try {
    found = calcPrice(PROBE_USAGE, modelId, { providerId });
  } catch {
    return null;
  }
  if (!found) return null;
  if (!matchesExactly(found.model.match, modelId) && !matchesExactly(found.model.match, dashDates(modelId))) {
    return null;
  }
  return {
    modelId,
    provider: {
      id: found.provider.id,
      name: found.provider.name,
      api_pattern: found.provider.api_pattern,
      models: [{ ...found.model, match: { equals: modelId } }],
    },
    rates: tokenRates(found.model_price),
    until: Date.now() + MEMO_TTL_MS,
  };
}

// ---------------------------------------------------------------------------------------------
// Guarding the catalogue's loose matches
//
// Many catalogue entries match by prefix or substring so that dated and regional ids find their
// model (`claude-sonnet-4-5` covers `claude-sonnet-4-5-20250929`). Taken literally that also
// prices `claude-sonnet-4-55`, `claude-sonnet-4-5-nonsense` or `gemini-1.5-flash-8b` (half the
// price of `gemini-1.5-flash`) as the shorter model. So a loose match is only trusted when what
// it leaves over is a version stamp — a date, a revision number, `latest`/`preview`/`exp` — and
// it neither splits a version number (`gpt-4` inside `gpt-4.1`) nor starts mid-word.
// ---------------------------------------------------------------------------------------------

const ALNUM_END = /[a-z0-9]+$/;
const ALNUM_START = /^[a-z0-9]*/;
const IS_ALNUM = /[a-z0-9]/;
const STAMP_SEPARATORS = /[-_@.]/;
const STAMP_WORDS: ReadonlySet<string> = new Set(["latest", "preview", "exp", "experimental", "nightly"]);
const DIGITS = /^\d+$/;
const LONG_DIGITS = /^\d{3,}$/;
const TWO_DIGITS = /^\d{2}$/;
const VERSION_TAG = /^v\d+$/;
const REVISION = /^0\d+$/;
const YYYYMMDD = /^20\d{6}$/;
// Fine-tune ids end in an opaque org/name/id: `ft:<base>:org:name:id`, legacy `<base>.ft-<id>`.
const FINE_TUNE = /^ft:/;
const LEGACY_FINE_TUNE = /\.ft-$/;
// The catalogue retries `-20250514` as `-2025-05-14`; the same rewrite, so the guard sees what it saw.
const COMPACT_DATE = /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

function dashDates(id: string): string {
  return id.replace(COMPACT_DATE, "-$1-$2-$3");
}

function matchesExactly(logic: MatchLogic, id: string): boolean {
  if ("or" in logic) return logic.or.some((l) => matchesExactly(l, id));
  if ("and" in logic) return logic.and.every((l) => matchesExactly(l, id));
  if ("equals" in logic) return id === logic.equals.toLowerCase();
  // Catalogue regexes are anchored and spell out their own suffixes.
  if ("regex" in logic) return new RegExp(logic.regex).test(id);
  if ("starts_with" in logic) {
    const p = logic.starts_with.toLowerCase();
    return id.startsWith(p) && leftoverIsStamp(p, id.slice(p.length));
  }
  if ("ends_with" in logic) {
    const p = logic.ends_with.toLowerCase();
    return id.endsWith(p) && startsAtBoundary(id, id.length - p.length);
  }
  if ("contains" in logic) {
    const p = logic.contains.toLowerCase();
    for (let i = id.indexOf(p); i !== -1; i = id.indexOf(p, i + 1)) {
      if (startsAtBoundary(id, i) && leftoverIsStamp(p, id.slice(i + p.length))) return true;
    }
    return false;
  }
  return false;
}

/** `anthropic.` / `us.` / `omni-` before a clause are namespaces; a letter or digit means mid-word. */
function startsAtBoundary(id: string, i: number): boolean {
  return i === 0 || !IS_ALNUM.test(id[i - 1]!);
}

function leftoverIsStamp(clause: string, rest: string): boolean {
  if (rest === "") return true;
  if (LEGACY_FINE_TUNE.test(clause)) return true;
  const opaqueTags = FINE_TUNE.test(clause);
  const clauseTail = clause.match(ALNUM_END)?.[0];
  // A clause ending in a separator (`claude-sonnet-4@`, `gpt-5-nano-`) already sits on a boundary.
  if (!clauseTail) return suffixIsStamp(rest, false, opaqueTags);
  if (IS_ALNUM.test(rest[0]!) || rest[0] === ".") {
    // The clause ends inside a token. `gpt-4` + `.1` or `claude-2` + `0` continue a version
    // number; only a split date (`claude-sonnet-4-2025` + `0514`) or revision (`-0` + `01`) is fine.
    if (rest[0] === ".") return false;
    const restHead = rest.match(ALNUM_START)![0];
    const token = clauseTail + restHead;
    if (!YYYYMMDD.test(token) && !REVISION.test(token)) return false;
    return suffixIsStamp(rest.slice(restHead.length), true, opaqueTags);
  }
  return suffixIsStamp(rest, true, opaqueTags);
}

function suffixIsStamp(s: string, needsSeparator: boolean, opaqueTags: boolean): boolean {
  if (s === "") return true;
  const colon = s.indexOf(":");
  const main = colon === -1 ? s : s.slice(0, colon);
  // After a colon only Bedrock's model revision (`-v1:0`) or a fine-tune's own name;
  // `:free`, `:extended` are other prices.
  const revised = colon !== -1;
  if (revised && !opaqueTags && !DIGITS.test(s.slice(colon + 1))) return false;
  if (main === "") return true;
  if (needsSeparator && !STAMP_SEPARATORS.test(main[0]!)) return false;
  const tokens = main.split(STAMP_SEPARATORS).filter((t) => t !== "");
  return tokens.every((t, i) => {
    if (LONG_DIGITS.test(t) || STAMP_WORDS.has(t)) return true;
    // `-v2` alone can be a new model (`deepseek-chat-v9`); Bedrock's `-v1`, `-v2:0` closing an
    // id are its API versions of one model.
    if (VERSION_TAG.test(t)) return i === tokens.length - 1 && (revised || t === "v1");
    // Two digits are a month or a day (`-05-06`, `-08-2024`), so only next to more digits;
    // alone (`-55`, `-2`) they are a version of their own.
    if (TWO_DIGITS.test(t)) return DIGITS.test(tokens[i - 1] ?? "") || DIGITS.test(tokens[i + 1] ?? "");
    return false;
  });
}
