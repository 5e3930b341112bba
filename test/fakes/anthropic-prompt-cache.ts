// Anthropic's prompt caching, as the fake Messages API plays it
// (https://docs.claude.com/en/docs/build-with-claude/prompt-caching):
// - `cache_control: {"type":"ephemeral","ttl"?:"5m"|"1h"}` on a tool, a system block or a message
//   block marks a breakpoint; at the top level of the request (automatic caching) it marks the
//   last block, and counts as one of the four; the cached prefix is everything before it in the order tools →
//   system → messages, the block included;
// - never inside a tool result's content ("place it directly on `tool_result`");
// - at most 4 breakpoints ("A maximum of 4 blocks with cache_control may be provided. Found 5.");
//   a 1-hour breakpoint may not follow a 5-minute one;
// - a prefix shorter than the model's minimum (1024 tokens here for every model) is not cached,
//   silently;
// - the longest prefix already cached is read (`cache_read_input_tokens`), the rest up to the last
//   breakpoint is written (`cache_creation_input_tokens`, split by TTL in `cache_creation`), and
//   only what follows the last breakpoint counts as `input_tokens`.
// Tokens are the fake's usual estimate, a quarter of the characters.

type Json = any;

const TTLS = new Set(["5m", "1h"]);
const MIN_TOKENS = 1024;
const TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

interface Breakpoint {
  key: string;
  tokens: number;
  ttl: "5m" | "1h";
}

export interface CacheUsage {
  read: number;
  written5m: number;
  written1h: number;
}

/** What the API says about the request's cache_control fields, or null when they are fine. */
export function cacheControlProblem(body: Json): string | null {
  const found: string[] = [];
  let problem: string | null = null;
  walk(body, (holder, at) => {
    const cc = holder?.cache_control;
    if (cc == null || problem) return;
    if (at.includes(".tool_result.content.")) {
      problem = `${at}.cache_control: cache_control may not be specified within \`tool_result.content\`. Instead, place it directly on \`tool_result\``;
      return;
    }
    if (typeof cc !== "object" || cc.type !== "ephemeral") {
      problem = `${at}.cache_control: Input tag '${cc?.type}' found using 'type' does not match any of the expected tags: 'ephemeral'`;
      return;
    }
    for (const key of Object.keys(cc)) if (key !== "type" && key !== "ttl") problem ??= `${at}.cache_control.ephemeral.${key}: Extra inputs are not permitted`;
    if (cc.ttl !== undefined && !TTLS.has(cc.ttl)) problem ??= `${at}.cache_control.ephemeral.ttl: Input should be '5m' or '1h'`;
    found.push(cc.ttl ?? "5m");
  });
  const top = body.cache_control;
  if (top != null && !problem) {
    if (typeof top !== "object" || top.type !== "ephemeral")
      problem = `cache_control: Input tag '${top?.type}' found using 'type' does not match any of the expected tags: 'ephemeral'`;
    else if (top.ttl !== undefined && !TTLS.has(top.ttl)) problem = "cache_control.ephemeral.ttl: Input should be '5m' or '1h'";
    else found.push(top.ttl ?? "5m"); // automatic caching: one more breakpoint, on the last block
  }
  if (problem) return problem;
  if (found.length > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${found.length}.`;
  const firstShort = found.indexOf("5m");
  if (firstShort >= 0 && found.indexOf("1h", firstShort) >= 0)
    return "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block (approx.)";
  return null;
}

/** One fake's cache: prefixes it has seen, until they expire. */
export class PromptCache {
  private readonly entries = new Map<string, number>();

  /** Reads and writes for this request, updating the cache; null when it has no breakpoint. */
  use(body: Json, totalTokens: number): CacheUsage | null {
    const points = breakpoints(body).filter((b) => b.tokens >= MIN_TOKENS && b.tokens <= totalTokens);
    if (points.length === 0) return null;
    const now = Date.now();
    let read = 0;
    for (const p of points) if ((this.entries.get(p.key) ?? 0) > now) read = Math.max(read, p.tokens);
    let written5m = 0;
    let written1h = 0;
    let done = read;
    for (const p of points) {
      this.entries.set(p.key, now + TTL_MS[p.ttl]);
      if (p.tokens <= done) continue;
      if (p.ttl === "1h") written1h += p.tokens - done;
      else written5m += p.tokens - done;
      done = p.tokens;
    }
    return { read, written5m, written1h };
  }
}

/** Every breakpoint in render order, with the prefix it closes (its tokens counted as the fake counts a prompt's). */
function breakpoints(body: Json): Breakpoint[] {
  const out: Breakpoint[] = [];
  let key = `${body.model}\n`;
  let chars = 0;
  walk(body, (holder, at) => {
    key += `${JSON.stringify(holder)}\n`;
    chars += at.startsWith("tools.") ? JSON.stringify(holder).length : typeof holder?.text === "string" ? holder.text.length : 0;
    const cc = holder?.cache_control;
    if (cc?.type === "ephemeral") out.push({ key, tokens: Math.ceil(chars / 4), ttl: cc.ttl === "1h" ? "1h" : "5m" });
  });
  // Automatic caching: the breakpoint sits on the last block, so it closes the whole prompt.
  const top = body.cache_control;
  if (top?.type === "ephemeral") out.push({ key, tokens: Math.ceil(chars / 4), ttl: top.ttl === "1h" ? "1h" : "5m" });
  return out;
}

/** Calls `visit` on every tool, system block and message block (tool results' inner blocks too), in render order. */
function walk(body: Json, visit: (holder: Json, at: string) => void): void {
  if (Array.isArray(body.tools)) body.tools.forEach((t: Json, i: number) => visit(t, `tools.${i}`));
  if (Array.isArray(body.system)) body.system.forEach((b: Json, i: number) => visit(b, `system.${i}`));
  if (!Array.isArray(body.messages)) return;
  body.messages.forEach((m: Json, i: number) => {
    if (!Array.isArray(m?.content)) return;
    m.content.forEach((b: Json, j: number) => {
      const at = `messages.${i}.content.${j}`;
      if (b?.type === "tool_result" && Array.isArray(b.content)) b.content.forEach((inner: Json, k: number) => visit(inner, `${at}.tool_result.content.${k}`));
      visit(b, at);
    });
  });
}
