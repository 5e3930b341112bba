import type { TraceRecord } from "../record.ts";

/**
 * A trace → one line of OpenAI's chat fine-tuning format: `{"messages": [...], "tools": [...],
 * "parallel_tool_calls": …}`, the request's messages followed by the traced answer. Traces that
 * cannot make a training example are counted by reason instead, so an export can say what it left
 * out and why.
 *
 * The format's rules this follows: roles are system, user, assistant, tool (and the legacy
 * function); assistant tool calls are `{id, type: "function", function: {name, arguments}}` with
 * the arguments as a JSON string; user content is text or images only; an assistant message may
 * carry `weight` 0 or 1.
 */

export type SkipReason = "failed" | "no_content" | "not_chat" | "empty_answer" | "unsupported";

/** How the summary line names each reason, in the order it lists them. */
export const SKIP_LABELS: Readonly<Record<SkipReason, string>> = {
  failed: "failed",
  no_content: "without content",
  not_chat: "not chat messages",
  empty_answer: "with an empty answer",
  unsupported: "with content the format cannot hold",
};

type Json = Record<string, unknown>;

export interface FineTuneExample {
  messages: Json[];
  tools?: unknown[];
  functions?: unknown[];
  parallel_tool_calls?: boolean;
}

export type FineTuneResult = { example: FineTuneExample } | { skip: SkipReason };

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Tool calls in the format's shape; null when one is not a function call. */
function toolCalls(v: unknown): Json[] | null {
  if (!Array.isArray(v)) return null;
  const out: Json[] = [];
  for (const c of v) {
    if (!isObject(c) || !isObject(c.function) || typeof c.function.name !== "string") return null;
    if (c.type !== undefined && c.type !== "function") return null;
    const args = c.function.arguments;
    out.push({
      id: c.id,
      type: "function",
      function: { name: c.function.name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
    });
  }
  return out;
}

/** Audio and file parts are refused by the format; text, images and refusals are kept as sent. */
const SUPPORTED_PART = new Set(["text", "image_url", "refusal"]);

function supportedContent(content: unknown): boolean {
  if (content === null || content === undefined || typeof content === "string") return true;
  return Array.isArray(content) && content.every((p) => isObject(p) && SUPPORTED_PART.has(String(p.type)));
}

/**
 * An assistant message with only the fields the format reads (the answer's reasoning, audio and
 * annotations are not among them); null when it has neither text nor tool calls.
 */
function assistant(m: Json): Json | null | "unsupported" {
  const out: Json = { role: "assistant" };
  const content = m.content;
  if (!supportedContent(content)) return "unsupported";
  const calls = m.tool_calls === undefined || m.tool_calls === null ? [] : toolCalls(m.tool_calls);
  if (calls === null) return "unsupported";
  const hasText = typeof content === "string" ? content !== "" : Array.isArray(content) && content.length > 0;
  if (!hasText && calls.length === 0 && !isObject(m.function_call)) return null;
  out.content = hasText ? content : null;
  if (calls.length > 0) out.tool_calls = calls;
  if (isObject(m.function_call)) out.function_call = m.function_call;
  if (typeof m.name === "string") out.name = m.name;
  return out;
}

/** One request message in the format's shape, or a reason it has none. */
function requestMessage(m: unknown): Json | SkipReason {
  if (!isObject(m) || typeof m.role !== "string") return "not_chat";
  switch (m.role) {
    case "system":
    case "developer":
    case "user": {
      if (!supportedContent(m.content)) return "unsupported";
      // The format has no developer role; it is the system message of newer models.
      const out: Json = { role: m.role === "user" ? "user" : "system", content: m.content };
      if (typeof m.name === "string") out.name = m.name;
      return out;
    }
    case "assistant": {
      const a = assistant(m);
      if (a === "unsupported") return "unsupported";
      // Earlier turns are context: each was its own call, and its own trace trains on it.
      return { ...(a ?? { role: "assistant", content: typeof m.content === "string" ? m.content : "" }), weight: 0 };
    }
    case "tool":
      return { role: "tool", tool_call_id: m.tool_call_id, content: m.content };
    case "function":
      return { role: "function", name: m.name, content: m.content };
    default:
      return "unsupported";
  }
}

/** The answer: the first choice's message (several choices make one example, from the first). */
function answerOf(response: unknown): Json | null {
  const first = Array.isArray(response) ? response[0] : response;
  return isObject(first) ? first : null;
}

export function toFineTuneExample(r: TraceRecord): FineTuneResult {
  if (r.status !== "ok") return { skip: "failed" };
  if (r.api === "embeddings") return { skip: "not_chat" };
  if (r.request === null || r.response === null) return { skip: "no_content" };
  // A Messages or Responses request the engine could not translate is stored as the client sent it.
  if (r.api !== "chat" && r.request_params === null) return { skip: "not_chat" };
  if (!Array.isArray(r.request) || r.request.length === 0) return { skip: "not_chat" };

  const messages: Json[] = [];
  for (const m of r.request) {
    const out = requestMessage(m);
    if (typeof out === "string") return { skip: out };
    messages.push(out);
  }
  const answer = answerOf(r.response);
  if (answer === null) return { skip: "empty_answer" };
  const a = assistant(answer);
  if (a === "unsupported") return { skip: "unsupported" };
  if (a === null) return { skip: "empty_answer" };
  messages.push(a);

  const example: FineTuneExample = { messages };
  const params = r.request_params ?? {};
  if (Array.isArray(params.tools) && params.tools.length > 0) example.tools = params.tools;
  if (Array.isArray(params.functions) && params.functions.length > 0) example.functions = params.functions;
  if (typeof params.parallel_tool_calls === "boolean") example.parallel_tool_calls = params.parallel_tool_calls;
  return { example };
}

/** Per-reason counts of what an export left out. */
export type SkipCounts = Partial<Record<SkipReason, number>>;

/** `exported 12, skipped 3 (2 failed, 1 without content)`: the line an export ends with. */
export function exportSummary(exported: number, skipped: SkipCounts): string {
  const parts = (Object.keys(SKIP_LABELS) as SkipReason[]).filter((k) => (skipped[k] ?? 0) > 0).map((k) => `${skipped[k]} ${SKIP_LABELS[k]}`);
  const total = Object.values(skipped).reduce((a, b) => a + (b ?? 0), 0);
  return total === 0 ? `exported ${exported}` : `exported ${exported}, skipped ${total} (${parts.join(", ")})`;
}
