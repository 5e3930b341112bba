import { cacheControlOf, contentParts, systemTextPieces, type ContentPart } from "../../openai/content.ts";
import type { ChatRequestBody } from "../../openai/schema.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import { mergeSameRoleTurns } from "../turns.ts";
import { thinkingBlocksOf } from "./thinking-blocks.ts";
import type { ContentBlock, ImageBlock, MessageParam, TextBlock, ToolResultBlock, ToolUseBlock } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

export interface Conversation {
  system: TextBlock[];
  messages: MessageParam[];
}

/**
 * OpenAI messages → Anthropic's `system` and `messages`.
 *
 * - Every system and developer message, wherever it stands, becomes a text block of the top-level
 *   `system`, in order: that is the one place every Claude model accepts instructions (a `system`
 *   role inside `messages` is a 400 on models before Opus 4.8).
 * - Tool messages become `tool_result` blocks of a user turn; consecutive turns of the same role
 *   are merged, so parallel tool results share the user turn right after their tool uses, as the
 *   API requires. In a user turn the tool results come first (the API refuses text before them);
 *   in an assistant turn the thinking blocks do (a tool-use turn must start with its thinking).
 * - Blank text is left out: the API refuses empty and whitespace-only text blocks, and they say
 *   nothing; a message left with nothing at all disappears.
 */
export function nativeMessages(messages: ChatRequestBody["messages"]): Conversation {
  const system: TextBlock[] = [];
  const turns: MessageParam[] = [];
  const append = mergeSameRoleTurns(turns, "content");

  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...markLast(systemBlocks(message.content, `${param}.content`), cacheControlOf(message, param)));
        break;
      case "user":
        append("user", markLast(contentParts(message.content, `${param}.content`, PROVIDER).flatMap(toBlock), cacheControlOf(message, param)));
        break;
      case "assistant":
        append("assistant", markLast(assistantBlocks(message, param), cacheControlOf(message, param)));
        break;
      case "tool":
        append("user", markLast([toolResult(message, param)], cacheControlOf(message, param)));
        break;
      default:
        throw rejectRequest(
          `messages with role '${message.role}' are not supported by ${PROVIDER}; send tool results as role 'tool' with a tool_call_id`,
          `${param}.role`,
        );
    }
  });

  for (const turn of turns) {
    turn.content = turn.role === "user" ? firstWhere(turn.content, (b) => b.type === "tool_result") : firstWhere(turn.content, isReasoning);
  }
  return { system, messages: turns };
}

function systemBlocks(content: unknown, param: string): TextBlock[] {
  return systemTextPieces(content, param, PROVIDER).map((p) =>
    p.cacheControl ? { type: "text", text: p.text, cache_control: p.cacheControl } : { type: "text", text: p.text },
  );
}

/**
 * A `cache_control` on a whole message (how LiteLLM and others let a client mark a string
 * content) goes on the message's last block, which is where the breakpoint then falls.
 */
function markLast<T extends ContentBlock>(blocks: T[], cacheControl: Record<string, unknown> | undefined): T[] {
  const last = blocks.at(-1);
  if (cacheControl && last && !isReasoning(last)) (last as TextBlock).cache_control = cacheControl;
  return blocks;
}

function assistantBlocks(message: Record<string, unknown>, param: string): ContentBlock[] {
  if (message.function_call != null) {
    throw rejectRequest(`the legacy function_call is not supported by ${PROVIDER}; use tool_calls`, `${param}.function_call`);
  }
  const blocks: ContentBlock[] = [...thinkingBlocksOf(message, param)];
  blocks.push(...contentParts(refusalsAsText(message.content), `${param}.content`, PROVIDER).flatMap(toBlock));
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  calls.forEach((call, j) => blocks.push(toolUse(call, `${param}.tool_calls[${j}]`)));
  return blocks;
}

// An assistant message the client got back from a refusal carries it as a `refusal` part.
function refusalsAsText(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((part: any) => (part?.type === "refusal" && typeof part.refusal === "string" ? { type: "text", text: part.refusal } : part));
}

function toolUse(call: any, param: string): ToolUseBlock {
  if (call.type !== "function") {
    throw rejectRequest(`tool calls of type '${call.type}' are not supported by ${PROVIDER}`, `${param}.type`);
  }
  return { type: "tool_use", id: call.id, name: call.function.name, input: toolInput(call.function.arguments, `${param}.function.arguments`) };
}

/** Anthropic takes the input as a JSON object; an empty string is how some clients write "no arguments". */
function toolInput(args: string, param: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    throw rejectRequest(`${param} is not valid JSON; ${PROVIDER} needs the tool input as a JSON object`, param);
  }
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    throw rejectRequest(`${param} must be a JSON object for ${PROVIDER}`, param);
  }
  return input as Record<string, unknown>;
}

function toolResult(message: Record<string, unknown>, param: string): ToolResultBlock {
  const block: ToolResultBlock = { type: "tool_result", tool_use_id: message.tool_call_id as string };
  const content = message.content;
  if (typeof content === "string") {
    if (!isBlank(content)) block.content = content;
    return block;
  }
  const parts = contentParts(content, `${param}.content`, PROVIDER).flatMap(toBlock);
  // Anthropic refuses cache_control inside tool_result.content ("place it directly on
  // tool_result"): a breakpoint on a part of the result marks the whole result instead.
  for (const part of parts) {
    if (!part.cache_control) continue;
    block.cache_control = part.cache_control;
    delete part.cache_control;
  }
  if (parts.length) block.content = parts;
  return block;
}

function toBlock(part: ContentPart): Array<TextBlock | ImageBlock> {
  const block = bareBlock(part);
  if (block && part.cacheControl) block.cache_control = part.cacheControl;
  return block ? [block] : [];
}

function bareBlock(part: ContentPart): TextBlock | ImageBlock | null {
  switch (part.type) {
    case "text":
      return isBlank(part.text) ? null : { type: "text", text: part.text };
    case "image":
      return { type: "image", source: { type: "base64", media_type: part.mediaType, data: part.data } };
    case "image_url":
      return { type: "image", source: { type: "url", url: part.url } };
  }
}

function isReasoning(block: ContentBlock): boolean {
  return block.type === "thinking" || block.type === "redacted_thinking";
}

/** The blocks matching `first` moved to the front, both groups keeping their order. */
function firstWhere(blocks: ContentBlock[], first: (b: ContentBlock) => boolean): ContentBlock[] {
  return [...blocks.filter(first), ...blocks.filter((b) => !first(b))];
}

const NON_BLANK = /\S/;

function isBlank(text: string): boolean {
  return !NON_BLANK.test(text);
}
