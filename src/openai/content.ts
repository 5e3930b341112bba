import { rejectRequest } from "../errors/vocabulary.ts";

/**
 * A prompt-cache breakpoint as Anthropic defines it (`{"type":"ephemeral","ttl":"5m"|"1h"}`), which
 * clients also send on OpenAI content parts. Kept as given: the provider validates its fields.
 */
export type CacheControl = Record<string, unknown>;

/** An OpenAI message's content, reduced to what native protocols can carry. */
export type ContentPart = (
  | { type: "text"; text: string }
  | { type: "image"; mediaType: string; data: string } // base64, from a data: URL
  | { type: "image_url"; url: string } // http(s) URL, for APIs that fetch it themselves
) & { cacheControl?: CacheControl };

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/**
 * Text and images pass; anything else (input_audio, file) is refused with a 400 naming the part,
 * so a client never gets an answer to a question it did not ask.
 */
export function contentParts(content: unknown, param: string, provider: string): ContentPart[] {
  if (content == null) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw rejectRequest(`${param} must be a string or an array of content parts`, param);
  return content.map((part: any, i): ContentPart => {
    const p = `${param}[${i}]`;
    const out = bare(part, p, provider);
    const cc = cacheControlOf(part, p);
    if (cc) out.cacheControl = cc;
    return out;
  });
}

function bare(part: any, p: string, provider: string): ContentPart {
  if (part?.type === "text" && typeof part.text === "string") return { type: "text", text: part.text };
  if (part?.type === "image_url") {
    const url = typeof part.image_url === "string" ? part.image_url : part.image_url?.url;
    if (typeof url !== "string") throw rejectRequest(`${p}.image_url.url is required`, `${p}.image_url.url`);
    const m = DATA_URL.exec(url);
    if (m) return { type: "image", mediaType: m[1], data: m[2] };
    if (/^https?:\/\//.test(url)) return { type: "image_url", url };
    throw rejectRequest(`${p}.image_url.url must be an http(s) URL or a base64 data URL`, `${p}.image_url.url`);
  }
  throw rejectRequest(`content parts of type '${part?.type}' are not supported by ${provider}`, `${p}.type`);
}

/** The `cache_control` of a part, message, tool or (with `param` "") the request, if it has one; `param` names where it sits. */
export function cacheControlOf(holder: any, param: string): CacheControl | undefined {
  const cc = holder?.cache_control;
  if (cc == null) return undefined;
  const at = param ? `${param}.cache_control` : "cache_control";
  if (typeof cc !== "object" || Array.isArray(cc) || typeof cc.type !== "string") {
    throw rejectRequest(`${at} must be an object such as {"type": "ephemeral"}`, at);
  }
  return cc;
}

/** The text of a content value (system prompts, tool results), parts joined without separators as OpenAI does. */
export function contentText(content: unknown, param: string, provider: string): string {
  return contentParts(content, param, provider)
    .map((p) => {
      if (p.type !== "text") throw rejectRequest(`${param} may only contain text for ${provider}`, param);
      return p.text;
    })
    .join("");
}

/**
 * A system message's text as the pieces to send: one piece, its parts joined as OpenAI joins them,
 * unless a part marks a cache breakpoint; then one piece per part, so the breakpoint stays where
 * the client put it. Blank pieces are left out (providers refuse blank text).
 */
export function systemTextPieces(content: unknown, param: string, provider: string): Array<{ text: string; cacheControl?: CacheControl }> {
  const parts = contentParts(content, param, provider);
  const pieces = parts.some((p) => p.cacheControl)
    ? parts.map((p) => {
        if (p.type !== "text") throw rejectRequest(`${param} may only contain text for ${provider}`, param);
        return p.cacheControl ? { text: p.text, cacheControl: p.cacheControl } : { text: p.text };
      })
    : [{ text: contentText(content, param, provider) }];
  return pieces.filter((p) => /\S/.test(p.text));
}
