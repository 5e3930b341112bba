import type { Call } from "../call.ts";

/**
 * Who and what a call belongs to, for the trace only: the end user, the session, and tags.
 * Headers are read here and never forwarded (no header is); body fields stay in the body, which
 * is forwarded as the client wrote it. Everything is capped, so a client cannot grow every trace
 * by sending large headers: over-long strings are cut and tags past the limit are dropped rather
 * than failing a request over bookkeeping.
 */

export const METADATA_LIMITS = { user: 256, session: 256, tags: 32, tagKey: 64, tagValue: 256 } as const;

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** W3C Trace Context: version 00, a trace id and a parent id that are not all zeros, flags. */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The headers; called once per request, before anything else can fail. */
export function readMetadataHeaders(headers: Headers, call: Call): void {
  const traceparent = headers.get("traceparent");
  if (traceparent && TRACEPARENT.test(traceparent)) call.traceparent = traceparent;
  const user = headers.get("x-opentracy-user");
  if (user) call.user = cut(user, METADATA_LIMITS.user);
  const session = headers.get("x-opentracy-session-id");
  if (session) call.sessionId = cut(session, METADATA_LIMITS.session);
  const tags = headers.get("x-opentracy-tags");
  if (tags) call.tags = parseTagHeader(tags);
}

/** `key=value,key2=value2`; pairs without `=` or with an empty key are ignored. */
export function parseTagHeader(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = cut(pair.slice(0, eq).trim(), METADATA_LIMITS.tagKey);
    if (!key || key === "__proto__") continue;
    if (!Object.hasOwn(out, key)) {
      if (n >= METADATA_LIMITS.tags) break;
      n++;
    }
    out[key] = cut(pair.slice(eq + 1).trim(), METADATA_LIMITS.tagValue);
  }
  return out;
}

/** The body's `user` (wins over the header: it is what the upstream sees too) and `metadata` strings. */
export function readMetadataBody(body: unknown, call: Call): void {
  if (typeof body !== "object" || body === null) return;
  const { user, metadata } = body as { user?: unknown; metadata?: unknown };
  if (typeof user === "string" && user) call.user = cut(user, METADATA_LIMITS.user);
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return;
  let tags: Record<string, string> | null = null;
  let n = Object.keys(call.tags).length;
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string" || !k || k === "__proto__") continue;
    tags ??= { ...call.tags };
    const key = cut(k, METADATA_LIMITS.tagKey);
    if (!Object.hasOwn(tags, key)) {
      if (n >= METADATA_LIMITS.tags) break;
      n++;
    }
    tags[key] = cut(v, METADATA_LIMITS.tagValue);
  }
  if (tags) call.tags = tags;
}
