import { cacheControlOf, contentParts, contentText, systemTextPieces, type CacheControl, type ContentPart } from "../../openai/content.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import { lookup } from "../lookup.ts";
import { mergeSameRoleTurns } from "../turns.ts";
import { echoedReasoning } from "./reasoning.ts";
import type { CachePoint, ContentBlock, ImageFormat, Turn } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

export interface Conversation {
  system: Array<{ text: string } | CachePoint>;
  messages: Turn[];
}

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/pjpeg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};
const BLANK = /^\s*$/;

/**
 * OpenAI messages → Converse `system` and alternating turns.
 *
 * - system and developer messages, wherever they stand, become `system` blocks in order
 *   (Converse has no system role inside `messages`);
 * - consecutive messages of one side merge into one turn (tool results and a following user
 *   message become one user turn), since Converse requires strict user/assistant alternation;
 * - blank assistant text is dropped, because Converse refuses blank text blocks, and an assistant
 *   message left with nothing to say disappears;
 * - `toolsVisible` false means the request carries no toolConfig (no tools, or tool_choice
 *   "none"). Converse refuses toolUse/toolResult blocks without a toolConfig, so earlier calls
 *   and results are written out as text the model can still read: `[tool call <id>: name(args)]`
 *   and `[tool result <id>: ...]`.
 */
export function nativeMessages(messages: ReadonlyArray<Record<string, unknown> & { role: string }>, toolsVisible: boolean): Conversation {
  const system: Conversation["system"] = [];
  const turns: Turn[] = [];
  const push = mergeSameRoleTurns(turns, "content");

  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    switch (m.role) {
      case "system":
      case "developer":
        system.push(...withCachePoint(systemBlocks(m.content, `${param}.content`), cacheControlOf(m, param)));
        return;
      case "user":
        push("user", withCachePoint(userBlocks(m.content, `${param}.content`), cacheControlOf(m, param)));
        return;
      case "assistant":
        push("assistant", withCachePoint(assistantBlocks(m, param, toolsVisible), cacheControlOf(m, param) ?? joinedPartsCache(m.content, `${param}.content`)));
        return;
      case "tool": {
        const id = String(m.tool_call_id);
        const text = contentText(m.content, `${param}.content`, PROVIDER);
        const blocks: ContentBlock[] = toolsVisible
          ? [{ toolResult: { toolUseId: id, content: text ? [{ text }] : [] } }]
          : [{ text: `[tool result ${id}: ${text}]` }];
        push("user", withCachePoint(blocks, cacheControlOf(m, param) ?? joinedPartsCache(m.content, `${param}.content`)));
        return;
      }
      default:
        throw rejectRequest(`role '${m.role}' is not supported by ${PROVIDER}; send tool results as role 'tool'`, `${param}.role`);
    }
  });
  return { system, messages: turns };
}

/**
 * An OpenAI/Anthropic-style `cache_control` (on a part, a whole message or a tool) becomes a
 * Converse `cachePoint` right after what it marks, with its TTL when one was given.
 */
export function cachePoint(cc: CacheControl): CachePoint {
  return { cachePoint: typeof cc.ttl === "string" ? { type: "default", ttl: cc.ttl } : { type: "default" } };
}

function withCachePoint<T>(blocks: T[], cc: CacheControl | undefined): Array<T | CachePoint> {
  return cc && blocks.length ? [...blocks, cachePoint(cc)] : blocks;
}

function systemBlocks(content: unknown, param: string): Conversation["system"] {
  return systemTextPieces(content, param, PROVIDER).flatMap((p) => withCachePoint([{ text: p.text }], p.cacheControl));
}

/**
 * Assistant text and tool results go to Converse as one joined text, so a breakpoint on one of
 * their parts marks the whole message: its checkpoint follows the message's blocks.
 */
function joinedPartsCache(content: unknown, param: string): CacheControl | undefined {
  if (!Array.isArray(content)) return undefined;
  let last: CacheControl | undefined;
  content.forEach((part, i) => (last = cacheControlOf(part, `${param}[${i}]`) ?? last));
  return last;
}

function userBlocks(content: unknown, param: string): ContentBlock[] {
  return contentParts(content, param, PROVIDER).flatMap((part, j) => withCachePoint([userBlock(part, param, j)], part.cacheControl));
}

function userBlock(part: ContentPart, param: string, j: number): ContentBlock {
  if (part.type === "text") return { text: part.text };
  const p = `${param}[${j}].image_url.url`;
  if (part.type === "image_url") {
    throw rejectRequest(`Bedrock Converse needs image bytes and cannot fetch image URLs; send the image as a base64 data URL (data:image/png;base64,...)`, p);
  }
  const format = lookup(IMAGE_FORMATS, part.mediaType.toLowerCase());
  if (!format) throw rejectRequest(`image type '${part.mediaType}' is not supported by Bedrock; use png, jpeg, gif or webp`, p);
  return { image: { format, source: { bytes: part.data } } };
}

/**
 * Reasoning blocks echoed on a tool call go right before it; those of the first call lead the
 * turn, ahead of the text, which is where the model produced them.
 */
function assistantBlocks(m: Record<string, unknown>, param: string, toolsVisible: boolean): ContentBlock[] {
  const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as Record<string, any>[]) : [];
  const text = m.content == null ? "" : contentText(m.content, `${param}.content`, PROVIDER);
  const blocks: ContentBlock[] = [];
  const reasoning = calls.map((c, j) => echoedReasoning(c, `${param}.tool_calls[${j}]`));
  if (reasoning.length) blocks.push(...reasoning[0].map((r) => ({ reasoningContent: r })));
  if (!BLANK.test(text)) blocks.push({ text });
  calls.forEach((call, j) => {
    const p = `${param}.tool_calls[${j}]`;
    if (call.type !== "function" || !call.function) throw rejectRequest(`only function tool calls are supported by ${PROVIDER}`, `${p}.type`);
    if (j > 0) blocks.push(...reasoning[j].map((r) => ({ reasoningContent: r })));
    const args = call.function.arguments;
    if (!toolsVisible) {
      blocks.push({ text: `[tool call ${call.id}: ${call.function.name}(${args})]` });
      return;
    }
    blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(args, `${p}.function.arguments`) } });
  });
  return blocks;
}

function parseArguments(args: unknown, param: string): unknown {
  if (typeof args !== "string" || BLANK.test(args)) return {};
  try {
    return JSON.parse(args);
  } catch {
    throw rejectRequest(`${param} must be a JSON string (Bedrock takes tool input as a JSON object)`, param);
  }
}
