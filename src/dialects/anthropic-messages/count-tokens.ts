import { type MessagesLimits, validated } from "./request.ts";
import { type CountTokensBody, CountTokensRequest } from "./schema.ts";

/** The body of a count_tokens request, validated like a Messages request (without max_tokens and stream). */
export function countTokensRequest(raw: unknown, limits: MessagesLimits): CountTokensBody {
  return validated(CountTokensRequest, raw, limits);
}

/** Characters per token of Claude's tokenizer on English text and code, on average. */
export const CHARS_PER_TOKEN = 3.5;
/** What an image costs at most: Anthropic resizes images to about 1.15 megapixels, (w·h)/750 ≈ 1,600 tokens. */
export const IMAGE_TOKENS = 1600;
/** The role markers and separators around each message. */
export const MESSAGE_OVERHEAD = 4;

/**
 * POST /v1/messages/count_tokens, estimated: the engine has no Claude tokenizer and asks no
 * upstream. Every piece of text the model reads (the system prompt, text blocks, tool inputs and
 * results, thinking, tool names, descriptions and schemas as JSON) counts at 3.5 characters per
 * token, each message adds 4 tokens and each image 1,600 (the most Anthropic charges for one).
 * Good to ±20% on prose and code; an upper bound for images.
 */
export function estimateInputTokens(body: CountTokensBody): number {
  let chars = 0;
  let images = 0;
  const add = (v: unknown) => {
    if (typeof v === "string") chars += v.length;
    else if (v !== undefined) chars += JSON.stringify(v).length;
  };
  const walk = (content: unknown) => {
    if (typeof content === "string") return add(content);
    if (!Array.isArray(content)) return;
    for (const block of content as Array<Record<string, unknown>>) {
      switch (block.type) {
        case "text":
          add(block.text);
          break;
        case "image":
          images++;
          break;
        case "tool_use":
          add(block.name);
          add(block.input);
          break;
        case "tool_result":
          walk(block.content);
          break;
        case "thinking":
          add(block.thinking);
          break;
        default:
          add(block);
      }
    }
  };
  walk(body.system);
  for (const m of body.messages) walk(m.content);
  for (const t of body.tools ?? []) {
    add(t.name);
    add(t.description);
    add(t.input_schema);
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS + body.messages.length * MESSAGE_OVERHEAD;
}
