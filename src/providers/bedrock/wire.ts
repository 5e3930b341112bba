/**
 * The parts of Bedrock Runtime's Converse and ConverseStream APIs this adapter writes. Answers
 * and stream events are read defensively: new block and event types appear without notice.
 */

/** The provider's name in messages, spelt as the registry spells it. */
export const PROVIDER = "bedrock";

/**
 * A Converse `reasoningContent` value worth sending back: signed thinking text, or an encrypted
 * (redacted) block. Anthropic models refuse a tool-use continuation whose thinking blocks are
 * missing or altered, so these ride on the tool call (docs/ARCHITECTURE.md, "Translation rules").
 */
export type ReasoningBlock = { reasoningText: { text: string; signature: string } } | { redactedContent: string };

export type ImageFormat = "png" | "jpeg" | "gif" | "webp";

/** Converse's prompt-cache checkpoint: everything before it in system, tools or messages is cached. */
export type CachePoint = { cachePoint: { type: "default"; ttl?: string } };

export type ContentBlock =
  | CachePoint
  | { text: string }
  | { image: { format: ImageFormat; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } }
  | { reasoningContent: ReasoningBlock };

export interface Turn {
  role: "user" | "assistant";
  content: ContentBlock[];
}

/** The Converse / ConverseStream request body (the model id travels in the URL). */
export interface ConverseBody {
  messages: Turn[];
  system?: Array<{ text: string } | CachePoint>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ToolEntry[]; toolChoice?: ToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
  outputConfig?: { textFormat: { type: "json_schema"; structure: { jsonSchema: { schema: string; name?: string; description?: string } } } };
}

export type ToolEntry = { toolSpec: { name: string; description?: string; inputSchema: { json: unknown }; strict?: boolean } } | CachePoint;
export type ToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
