/**
 * The common request, recognised in a few microseconds. zod's full check of the same body costs
 * tens of microseconds per request, so the handler asks this first and runs ChatRequest only when
 * the answer is "not obviously valid" (zod then either accepts or names the bad field). Anything
 * this accepts, ChatRequest accepts too: a property test holds it to that.
 */
const SIMPLE_ROLES: ReadonlySet<unknown> = new Set(["system", "developer", "user", "assistant"]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;
const num = (v: unknown, lo: number, hi: number) => absent(v) || (typeof v === "number" && v >= lo && v <= hi);
const posInt = (v: unknown) => absent(v) || (Number.isSafeInteger(v) && (v as number) > 0);

export function obviouslyValid(raw: unknown): boolean {
  if (!isObj(raw)) return false;
  if (typeof raw.model !== "string" || raw.model.length === 0) return false;
  const messages = raw.messages;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) {
    // Plain text turns only; tool calls, tool results and content parts go through zod.
    if (!isObj(m) || typeof m.content !== "string" || !SIMPLE_ROLES.has(m.role) || !absent(m.tool_calls)) return false;
  }
  if (!absent(raw.stream) && typeof raw.stream !== "boolean") return false;
  if (!absent(raw.stream_options)) {
    const so = raw.stream_options;
    if (!isObj(so) || (so.include_usage !== undefined && typeof so.include_usage !== "boolean")) return false;
  }
  if (!absent(raw.tools)) return false;
  if (!absent(raw.n) && !(Number.isSafeInteger(raw.n) && (raw.n as number) >= 1 && (raw.n as number) <= 128)) return false;
  return num(raw.temperature, 0, 2) && num(raw.top_p, 0, 1) && posInt(raw.max_tokens) && posInt(raw.max_completion_tokens);
}
