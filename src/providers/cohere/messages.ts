import { contentParts, contentText } from "../../openai/content.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import type { CohereContentPart, CohereMessage, CohereToolCall } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

const IMAGE_DETAILS: ReadonlySet<unknown> = new Set(["auto", "low", "high"]);

/** OpenAI messages → Cohere's, one for one: Cohere takes same-role runs and every role as they are. */
export function nativeMessages(messages: ReadonlyArray<Record<string, unknown> & { role: string }>): CohereMessage[] {
  return messages.map(cohereMessage);
}

/** One OpenAI message as Cohere's; `i` is its position, for the 400 that names a bad part. */
function cohereMessage(message: Record<string, unknown> & { role: string }, i: number): CohereMessage {
  const param = `messages[${i}]`;
  switch (message.role) {
    case "system":
    case "developer":
      return { role: "system", content: contentText(message.content, `${param}.content`, PROVIDER) };
    case "user":
      return { role: "user", content: userContent(message.content, `${param}.content`) };
    case "assistant":
      return assistantMessage(message, param);
    case "tool":
      return { role: "tool", tool_call_id: String(message.tool_call_id), content: contentText(message.content, `${param}.content`, PROVIDER) };
    default:
      throw rejectRequest(`messages with role '${message.role}' are not supported by ${PROVIDER}; send tool results as 'tool' messages`, `${param}.role`);
  }
}

function userContent(content: unknown, param: string): string | CohereContentPart[] {
  if (typeof content === "string") return content;
  const original = Array.isArray(content) ? content : [];
  return contentParts(content, param, PROVIDER).map((part, i): CohereContentPart => {
    if (part.type === "text") return { type: "text", text: part.text };
    // Cohere's vision models take both web URLs and base64 data URLs in `image_url`.
    const url = part.type === "image" ? `data:${part.mediaType};base64,${part.data}` : part.url;
    const detail = (original[i] as any)?.image_url?.detail;
    return { type: "image_url", image_url: IMAGE_DETAILS.has(detail) ? { url, detail } : { url } };
  });
}

/**
 * Cohere wants the text the model wrote before its tool calls back as `tool_plan` (its answers carry
 * it there, and the response side turns it into `content`), and thinking back as a `thinking` part.
 */
function assistantMessage(message: Record<string, unknown>, param: string): CohereMessage {
  const text = contentText(message.content ?? null, `${param}.content`, PROVIDER);
  const thinking = typeof message.reasoning_content === "string" ? message.reasoning_content : "";
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.map((c, j) => toolCall(c, `${param}.tool_calls[${j}]`)) : [];
  const thinkingParts: CohereContentPart[] = thinking ? [{ type: "thinking", thinking }] : [];
  if (calls.length > 0) {
    return {
      role: "assistant",
      tool_calls: calls,
      ...(text ? { tool_plan: text } : {}),
      ...(thinkingParts.length ? { content: thinkingParts } : {}),
    };
  }
  if (!thinkingParts.length) return { role: "assistant", content: text };
  return { role: "assistant", content: text ? [...thinkingParts, { type: "text", text }] : thinkingParts };
}

function toolCall(call: any, param: string): CohereToolCall {
  if (call?.type !== "function") throw rejectRequest(`tool calls of type '${call?.type}' are not supported by ${PROVIDER}`, `${param}.type`);
  // An empty argument string is what a call without parameters streams as; Cohere expects JSON.
  const args = call.function.arguments === "" ? "{}" : call.function.arguments;
  return { id: call.id, type: "function", function: { name: call.function.name, arguments: args } };
}
