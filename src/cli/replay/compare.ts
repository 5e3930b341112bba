/**
 * Whether a replayed answer agrees with the recorded one. Three checks, each counted only where
 * it applies, so a rate is never diluted by answers it says nothing about:
 *
 * - text: either answer has text; agrees when the texts are equal once trimmed.
 * - json: the recorded text is a JSON object or array (structured outputs); agrees when the
 *   replay's text parses to the same value (key order and spacing do not matter).
 * - tools: either answer calls tools; agrees when both call the same multiset of
 *   (name, parsed arguments): the order of the calls does not matter, their arguments do.
 *
 * `agrees` is the verdict for the pair: a JSON answer is judged by its value rather than its
 * text, and tool calls must agree too when there are any.
 */

export interface Agreement {
  text: boolean | null;
  json: boolean | null;
  tools: boolean | null;
  agrees: boolean;
}

interface ToolCall {
  name: string;
  args: unknown;
}

/** A trace's `response` or a completion's messages: an array of choice messages; anything else reads as no answer. */
export function compareAnswers(recorded: unknown, replayed: unknown): Agreement {
  const a = messagesOf(recorded);
  const b = messagesOf(replayed);
  const textA = a.map(textOf);
  const textB = b.map(textOf);
  const hasText = textA.some((t) => t !== "") || textB.some((t) => t !== "");
  const text = hasText ? sameList(textA, textB, (x, y) => x === y) : null;

  const jsonA = textA.map(jsonValue);
  const structured = jsonA.length > 0 && jsonA.every((v) => v !== undefined);
  const json = structured ? sameList(jsonA, textB.map(jsonValue), (x, y) => y !== undefined && Bun.deepEquals(x, y, true)) : null;

  const callsA = a.map(toolCallsOf);
  const callsB = b.map(toolCallsOf);
  const hasCalls = callsA.some((c) => c.length > 0) || callsB.some((c) => c.length > 0);
  const tools = hasCalls ? sameList(callsA, callsB, sameCalls) : null;

  const content = json ?? text ?? true;
  return { text, json, tools, agrees: content && tools !== false };
}

function messagesOf(v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v)) return [];
  return v.map((m) => (typeof m === "object" && m !== null ? (m as Record<string, unknown>) : {}));
}

/** The message's text, trimmed: a string, or the text parts of a content array. */
function textOf(m: Record<string, unknown>): string {
  const c = m.content;
  if (typeof c === "string") return c.trim();
  if (Array.isArray(c)) {
    return c
      .map((p) => (typeof p?.text === "string" ? p.text : ""))
      .join("")
      .trim();
  }
  return "";
}

/** The value of a JSON object or array; undefined for anything else (a bare "4" is text, not structure). */
function jsonValue(text: string): unknown {
  if (!text.startsWith("{") && !text.startsWith("[")) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toolCallsOf(m: Record<string, unknown>): ToolCall[] {
  if (!Array.isArray(m.tool_calls)) return [];
  return m.tool_calls.map((c: any) => {
    const raw = c?.function?.arguments;
    let args: unknown = raw;
    if (typeof raw === "string") {
      try {
        args = JSON.parse(raw);
      } catch {
        // Arguments that are not JSON are compared as the text the model wrote.
      }
    }
    return { name: String(c?.function?.name ?? ""), args };
  });
}

function sameCalls(a: ToolCall[], b: ToolCall[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...b];
  for (const call of a) {
    const i = left.findIndex((c) => c.name === call.name && Bun.deepEquals(c.args, call.args, true));
    if (i === -1) return false;
    left.splice(i, 1);
  }
  return true;
}

/** Choice by choice: the same number of choices, each pair equal. */
function sameList<T>(a: T[], b: T[], eq: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => eq(x, b[i]!));
}
