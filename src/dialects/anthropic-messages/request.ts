import type { z } from "zod";
import { ApiError, rejectRequest } from "../../errors/vocabulary.ts";
import type { ChatRequestBody } from "../../openai/schema.ts";
import { exceedsDepth } from "../../http/body.ts";
import { fieldPath, type InboundBlock, type InboundMessage, MessagesRequest, type MessagesRequestBody } from "./schema.ts";

/** The field on a tool call (or message) that carries Claude's thinking blocks back (providers/anthropic/thinking-blocks.ts). */
export const THINKING_FIELD = "thinking_blocks";

export interface MessagesLimits {
  maxJsonDepth: number;
  maxMessages: number;
}

/** A parsed body → a validated Messages request, or ApiError 400 naming the field as Anthropic does (`messages.0.content`). */
export function messagesRequest(raw: unknown, limits: MessagesLimits): MessagesRequestBody {
  return validated(MessagesRequest, raw, limits);
}

/** `raw` checked against one of this API's request schemas, within the depth and message-count limits. */
export function validated<T extends { messages: unknown[] }>(schema: z.ZodType<T>, raw: unknown, limits: MessagesLimits): T {
  if (exceedsDepth(raw, limits.maxJsonDepth)) throw new ApiError("too_deep", `The request nests JSON deeper than ${limits.maxJsonDepth} levels.`);
  const checked = schema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = fieldPath(issue.path);
    throw new ApiError("invalid_value", field ? `${field}: ${issue.message}` : issue.message, field || null);
  }
  const body = checked.data;
  if (body.messages.length > limits.maxMessages) {
    throw new ApiError("too_many_messages", `Too many messages: ${body.messages.length}, the limit is ${limits.maxMessages}.`, "messages");
  }
  return body;
}

type OpenAIMessage = ChatRequestBody["messages"][number];
type Part = Record<string, unknown>;

/**
 * A Messages request → the engine's OpenAI chat request, which then takes the same route as any
 * chat completion (plan, attempts, pricing, trace):
 *
 * - `system` → one system message (blocks become text parts, keeping `cache_control`).
 * - A user turn's `tool_result` blocks → `tool` messages (first, as Anthropic orders them), the
 *   rest of the turn → one user message; images → `image_url` parts (data URLs for base64).
 * - An assistant turn → one assistant message: text → `content`, `tool_use` → `tool_calls` (ids
 *   kept: tool results match by them). Thinking blocks matter only to Claude, and only in a
 *   tool-use turn: there they ride on the first tool call, where the Anthropic adapter reads them
 *   back; elsewhere, and when they carry no signature (they came from another model), they are
 *   left out, as Anthropic itself ignores the thinking of earlier turns.
 * - `tools` → function tools (`input_schema` → `parameters`); `tool_choice` auto/any/tool/none →
 *   "auto"/"required"/named function/"none"; `disable_parallel_tool_use` → `parallel_tool_calls: false`.
 * - `thinking: enabled` → `reasoning_effort` by budget (the adapters map it back to each API's
 *   form); `adaptive` → `output_config.effort`, else high; `stop_sequences` → `stop`;
 *   `metadata.user_id` → `user`; `max_tokens`, `temperature`, `top_p` as they are. `top_k` has no
 *   OpenAI counterpart and is not sent.
 * - Server tools (web search, code execution…) and block types other than text, image, tool use
 *   and result, and thinking are refused with a 400 naming them, never silently dropped.
 */
export function toChatRequest(body: MessagesRequestBody): ChatRequestBody {
  const messages: OpenAIMessage[] = [];
  const system = systemMessage(body.system);
  if (system) messages.push(system);
  body.messages.forEach((m, i) => {
    messages.push(...(m.role === "user" ? userMessages(m, i) : [assistantMessage(m, i)]));
  });
  const out: ChatRequestBody = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.stream) out.stream = true;
  if (body.temperature !== undefined) out.temperature = body.temperature;
  if (body.top_p !== undefined) out.top_p = body.top_p;
  if (body.stop_sequences?.length) out.stop = body.stop_sequences;
  const user = body.metadata?.user_id;
  if (typeof user === "string" && user !== "") out.user = user;
  if (body.tools?.length) out.tools = body.tools.map(tool);
  Object.assign(out, toolChoice(body.tool_choice, body.tools?.length ?? 0));
  const effort = reasoningEffort(body);
  if (effort) out.reasoning_effort = effort;
  if (body.cache_control) out.cache_control = body.cache_control;
  return out;
}

function systemMessage(system: MessagesRequestBody["system"]): OpenAIMessage | null {
  if (system === undefined) return null;
  if (typeof system === "string") return system === "" ? null : { role: "system", content: system };
  if (system.length === 0) return null;
  return { role: "system", content: system.map((b) => textPart(b)) };
}

function userMessages(m: InboundMessage, i: number): OpenAIMessage[] {
  if (typeof m.content === "string") return [{ role: "user", content: m.content }];
  const out: OpenAIMessage[] = [];
  const parts: Part[] = [];
  m.content.forEach((block, j) => {
    const at = `messages.${i}.content.${j}`;
    switch (block.type) {
      case "tool_result":
        out.push(toolMessage(block as Extract<InboundBlock, { type: "tool_result" }>, at));
        return;
      case "text":
      case "image":
        parts.push(contentPart(block, at));
        return;
      case "thinking":
      case "redacted_thinking":
      case "tool_use":
        throw rejectRequest(`${at}: a user message cannot hold a ${block.type} block`, `${at}.type`);
      default:
        throw unsupportedBlock(block.type, at);
    }
  });
  if (parts.length) out.push({ role: "user", content: parts });
  // An empty content array says nothing; OpenAI refuses an empty user message, so it is left out.
  return out;
}

function toolMessage(block: Extract<InboundBlock, { type: "tool_result" }>, at: string): OpenAIMessage {
  const content = block.content;
  let parts: string | Part[];
  if (content === undefined) parts = "";
  else if (typeof content === "string") parts = content;
  else parts = content.map((b, k) => contentPart(b, `${at}.content.${k}`));
  const message: OpenAIMessage = { role: "tool", tool_call_id: block.tool_use_id, content: parts };
  if (block.cache_control) message.cache_control = block.cache_control;
  return message;
}

function assistantMessage(m: InboundMessage, i: number): OpenAIMessage {
  if (typeof m.content === "string") return { role: "assistant", content: m.content };
  let text = "";
  const parts: Part[] = [];
  const calls: Array<Record<string, unknown>> = [];
  const reasoning: Part[] = [];
  let marked: Record<string, unknown> | undefined;
  m.content.forEach((block, j) => {
    const at = `messages.${i}.content.${j}`;
    switch (block.type) {
      case "text": {
        const b = block as Extract<InboundBlock, { type: "text" }>;
        text += b.text;
        parts.push(textPart(b));
        if (b.cache_control) marked = b.cache_control;
        return;
      }
      case "tool_use": {
        const b = block as Extract<InboundBlock, { type: "tool_use" }>;
        calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input) } });
        if (b.cache_control) marked = b.cache_control;
        return;
      }
      case "thinking": {
        const b = block as Extract<InboundBlock, { type: "thinking" }>;
        if (b.signature !== "") reasoning.push({ type: "thinking", thinking: b.thinking, signature: b.signature });
        return;
      }
      case "redacted_thinking":
        reasoning.push({ type: "redacted_thinking", data: (block as Extract<InboundBlock, { type: "redacted_thinking" }>).data });
        return;
      case "image":
      case "tool_result":
        throw rejectRequest(`${at}: an assistant message cannot hold a ${block.type} block`, `${at}.type`);
      default:
        throw unsupportedBlock(block.type, at);
    }
  });
  // Plain text stays a string (every upstream takes it); parts only when a breakpoint must ride on one.
  const cached = parts.some((p) => p.cache_control);
  const message: OpenAIMessage = { role: "assistant", content: cached ? parts : calls.length && text === "" ? null : text };
  if (calls.length) {
    if (reasoning.length) calls[0]![THINKING_FIELD] = reasoning;
    message.tool_calls = calls;
    // A breakpoint on a tool_use block marks the end of the turn, where the adapter puts a message's own.
    if (marked && !cached) message.cache_control = marked;
  }
  return message;
}

function textPart(b: { text: string; cache_control?: unknown }): Part {
  const part: Part = { type: "text", text: b.text };
  if (b.cache_control) part.cache_control = b.cache_control;
  return part;
}

function contentPart(block: InboundBlock, at: string): Part {
  if (block.type === "text") return textPart(block as Extract<InboundBlock, { type: "text" }>);
  if (block.type === "image") {
    const b = block as Extract<InboundBlock, { type: "image" }>;
    const url = b.source.type === "base64" ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url;
    const part: Part = { type: "image_url", image_url: { url } };
    if (b.cache_control) part.cache_control = b.cache_control;
    return part;
  }
  throw unsupportedBlock(block.type, at);
}

function unsupportedBlock(type: string, at: string): ApiError {
  return rejectRequest(
    `${at}: content blocks of type '${type}' are not supported by this gateway's translation; send text, image, tool_use, tool_result or thinking blocks`,
    `${at}.type`,
  );
}

function tool(t: NonNullable<MessagesRequestBody["tools"]>[number], i: number): Record<string, unknown> {
  if (t.type != null && t.type !== "custom") {
    throw rejectRequest(`tools.${i}: server tools (type '${t.type}') run on Anthropic's side and are not supported through this gateway`, `tools.${i}.type`);
  }
  if (!t.input_schema) throw new ApiError("invalid_value", `tools.${i}.input_schema: Field required`, `tools.${i}.input_schema`);
  const fn: Record<string, unknown> = { name: t.name, parameters: t.input_schema };
  if (t.description) fn.description = t.description;
  const out: Record<string, unknown> = { type: "function", function: fn };
  if (t.cache_control) out.cache_control = t.cache_control;
  return out;
}

function toolChoice(choice: MessagesRequestBody["tool_choice"], tools: number): Record<string, unknown> {
  // Without tools there is nothing to choose from; OpenAI refuses a tool_choice without tools.
  if (!choice || tools === 0) return {};
  const out: Record<string, unknown> = {};
  if (choice.type === "auto") out.tool_choice = "auto";
  else if (choice.type === "any") out.tool_choice = "required";
  else if (choice.type === "none") out.tool_choice = "none";
  else out.tool_choice = { type: "function", function: { name: choice.name } };
  if (choice.type !== "none" && choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

/**
 * `thinking: {type: "enabled", budget_tokens}` → the largest OpenAI level whose budget (as the
 * Anthropic adapter spends it) fits: under 8,192 → low, under 24,576 → medium, else high. Only
 * the three levels every reasoning model of every provider accepts are used. `adaptive` → `output_config.effort` when it names an OpenAI level, else high.
 */
function reasoningEffort(body: MessagesRequestBody): string | null {
  const thinking = body.thinking;
  if (!thinking || thinking.type === "disabled") return null;
  if (thinking.type === "adaptive") {
    const effort = body.output_config?.effort;
    return effort === "low" || effort === "medium" || effort === "high" ? effort : "high";
  }
  const budget = (thinking as { budget_tokens: number }).budget_tokens;
  if (budget < 8192) return "low";
  if (budget < 24576) return "medium";
  return "high";
}
