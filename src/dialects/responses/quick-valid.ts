/**
 * The common Responses request, recognised in a few microseconds: a model, the input as a string
 * or plain-text messages, instructions, and the usual scalars. zod's full check costs ~10 µs a
 * call (a CPU profile of the bridge put it near the top), so `responsesRequest` asks this first;
 * anything else (tools, parts, function calls, formats) goes through zod, which names a bad field.
 * Anything this accepts, ResponsesRequest accepts too: a property test holds it to that. The
 * schema has no defaults or transforms, so the body is used as it came.
 */
const ROLES: ReadonlySet<unknown> = new Set(["user", "assistant", "system", "developer"]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;
const optString = (v: unknown) => absent(v) || typeof v === "string";
const optBool = (v: unknown) => absent(v) || typeof v === "boolean";
const num = (v: unknown, lo: number, hi: number) => absent(v) || (typeof v === "number" && v >= lo && v <= hi);

/** Fields the quick check reads; any other key present sends the body through zod. */
const KNOWN: ReadonlySet<string> = new Set([
  "model",
  "input",
  "instructions",
  "stream",
  "store",
  "user",
  "max_output_tokens",
  "temperature",
  "top_p",
  "previous_response_id",
  "parallel_tool_calls",
]);

export function obviouslyValidResponses(raw: unknown): boolean {
  if (!isObj(raw)) return false;
  for (const k in raw) if (!KNOWN.has(k)) return false;
  if (typeof raw.model !== "string" || raw.model.length === 0) return false;
  const input = raw.input;
  if (Array.isArray(input)) {
    for (const item of input) {
      if (!isObj(item) || !ROLES.has(item.role) || typeof item.content !== "string" || !(item.type === undefined || item.type === "message")) return false;
    }
  } else if (input !== undefined && typeof input !== "string") return false;
  const max = raw.max_output_tokens;
  if (!absent(max) && !(Number.isSafeInteger(max) && (max as number) > 0)) return false;
  return (
    optString(raw.instructions) &&
    optString(raw.user) &&
    optString(raw.previous_response_id) &&
    optBool(raw.stream) &&
    optBool(raw.store) &&
    optBool(raw.parallel_tool_calls) &&
    num(raw.temperature, 0, 2) &&
    num(raw.top_p, 0, 1)
  );
}
