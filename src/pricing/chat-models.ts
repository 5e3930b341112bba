import type { MatchLogic, ModelInfo, ModelPrice } from "@pydantic/genai-prices";

/**
 * Which entries of the price catalogue a chat call can use. The catalogue prices everything a
 * provider bills (embeddings, speech, images, moderation, OCR) and carries match patterns written
 * as ids (`ft:gpt-3.5-turbo-`), so `/v1/models` must filter it; it has no "modality" field, so the
 * rule reads what it does have: how the model is billed, then what its id says it is.
 */
export function isChatModel(m: ModelInfo): boolean {
  if (m.deprecated || malformedId(m.id)) return false;
  if (NOT_CHAT.test(m.id) || NOT_CHAT.test(m.name ?? "")) return false;
  return billedLikeChat(currentPrices(m));
}

// Patterns for families of ids rather than ids: a fine-tune prefix (`ft:gpt-4o`, `…-2024-07-18.ft-`),
// a stem ending in a separator, or Bedrock's `regional.` standing for `us.`/`eu.`/`jp.`. A
// request naming one would reach the upstream as a 404.
function malformedId(id: string): boolean {
  return /^ft:|\.ft-|[-.:/]$|\s|^regional\./.test(id);
}

// Embeddings, speech in or out, image and music generators, moderation, OCR, rerankers, realtime
// (WebSocket only), and OpenAI's legacy completions-only models.
const NOT_CHAT =
  /embed|whisper|\btts\b|-tts|transcribe|voice|realtime|moderation|content-safety|(^|[-/.])image(-|$)|gpt-image|lyria|\bocr\b|-ocr|rerank|audio|-sonic|^(ada|babbage|curie|davinci)(-\d+)?$|^text-(ada|babbage|curie|davinci)|^gpt-3\.5-turbo-instruct/i;

/** The prices in force today: the last of a dated list, or the only set. */
function currentPrices(m: ModelInfo): ModelPrice {
  return Array.isArray(m.prices) ? (m.prices.at(-1)?.prices ?? {}) : m.prices;
}

// A chat model bills output tokens, or nothing at all (free tiers: `…:free`). Only input tokens is
// an embedding; hours of audio, pages or messages are speech, OCR and voice products.
function billedLikeChat(p: ModelPrice): boolean {
  const units = Object.keys(p).filter((k) => p[k] !== undefined);
  if (units.some((k) => /_hours$|_kpages$|messages_kcount$/.test(k))) return false;
  if (units.length === 0) return true;
  return units.includes("output_mtok");
}

/**
 * `created` for a catalogue model: the earliest release date among the exact ids it stands for
 * (`gpt-4.1` matches `gpt-4.1-2025-04-14`; `claude-3-5-sonnet-20240620` is its own), as Unix
 * seconds at UTC midnight. The catalogue records no release dates, so a model with no dated id
 * gets 0 ("unknown") rather than an invented one.
 */
export function createdOf(m: ModelInfo): number {
  const dates = [m.id, ...exactIds(m.match)].map(dateInId).filter((d) => d > 0);
  return dates.length ? Math.min(...dates) : 0;
}

function exactIds(match: MatchLogic): string[] {
  if ("equals" in match) return [match.equals];
  if ("or" in match) return match.or.flatMap(exactIds);
  return [];
}

/** `…-2024-08-06`, `…-20240620`: Unix seconds, or 0. Four-digit stamps (`-0613`, `-2501`) are left alone: their year is a guess. */
export function dateInId(id: string): number {
  const m = /(?:^|[^\d])(20[12]\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)/.exec(id);
  if (!m) return 0;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // 2024-02-31 rolls over into March: not a date.
  return new Date(ms).getUTCDate() === Number(m[3]) ? ms / 1000 : 0;
}
