import { z } from "zod";

/**
 * The Messages API request (POST /v1/messages) as the official SDKs and Claude Code send it,
 * validated at the edge. Objects are loose: fields of the future (context_management,
 * service_tier, container) pass validation and are ignored by the translation unless named here.
 * Limits follow Anthropic's documentation (temperature and top_p 0–1, budget_tokens ≥ 1024).
 */
const CacheControl = z.looseObject({ type: z.string() }).nullish();

const TextBlock = z.looseObject({ type: z.literal("text"), text: z.string(), cache_control: CacheControl });
const ImageBlock = z.looseObject({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
    z.looseObject({ type: z.literal("url"), url: z.string() }),
  ]),
  cache_control: CacheControl,
});
const ToolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: CacheControl,
});
const ToolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [TextBlock, ImageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl,
});
const ThinkingBlock = z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() });
const RedactedThinkingBlock = z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() });
const KnownBlock = z.discriminatedUnion("type", [TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock]);
const KNOWN_TYPES = new Set(["text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"]);

/**
 * A content block: the known types are checked field by field (so a bad one is reported at its
 * field, `messages.0.content.0.text`); any other type (document, search_result, server tool
 * blocks) passes here and is refused by the translation with a 400 naming it.
 */
const Block = z.looseObject({ type: z.string().min(1) }).superRefine((block, ctx) => {
  if (!KNOWN_TYPES.has(block.type)) return;
  const checked = KnownBlock.safeParse(block);
  if (checked.success) return;
  for (const issue of checked.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
}) as unknown as z.ZodType<z.infer<typeof KnownBlock> | { type: string; [k: string]: unknown }>;

const Message = z.looseObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(Block)]),
});

const Tool = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().nullish(),
  cache_control: CacheControl,
});

const ToolChoice = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal("tool"), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal("none") }),
]);

const Thinking = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("enabled"), budget_tokens: z.number().int().min(1024) }),
  z.looseObject({ type: z.literal("disabled") }),
  z.looseObject({ type: z.literal("adaptive") }),
]);

export const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(Message),
  system: z.union([z.string(), z.array(TextBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  tools: z.array(Tool).optional(),
  tool_choice: ToolChoice.optional(),
  thinking: Thinking.optional(),
  output_config: z.looseObject({ effort: z.string().optional() }).nullish(),
  cache_control: CacheControl,
  stream: z.boolean().optional(),
});

export type MessagesRequestBody = z.infer<typeof MessagesRequest>;
export type InboundMessage = MessagesRequestBody["messages"][number];
export type InboundBlock = Exclude<InboundMessage["content"], string>[number];

/** `count_tokens` takes the request without max_tokens and stream. */
export const CountTokensRequest = MessagesRequest.omit({ max_tokens: true, stream: true });
export type CountTokensBody = z.infer<typeof CountTokensRequest>;

/** `messages.0.content.1.type`, the way Anthropic names a field in its messages. */
export function fieldPath(path: PropertyKey[]): string {
  return path.map(String).join(".");
}
