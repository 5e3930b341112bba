/**
 * The parts of the Anthropic Messages API (POST /v1/messages, anthropic-version 2023-06-01) this
 * adapter writes and reads. Only what the translation touches is typed; responses are read
 * defensively because new block and event types appear without a version change.
 */

/** The provider's name in messages, spelt as the registry spells it. */
export const PROVIDER = "anthropic";

export type ThinkingBlock = { type: "thinking"; thinking: string; signature: string };
export type RedactedThinkingBlock = { type: "redacted_thinking"; data: string };
/** Opaque model state that must go back to the API exactly as it came (with tool use, it is required). */
export type ReasoningBlock = ThinkingBlock | RedactedThinkingBlock;

/** A prompt-cache breakpoint: `{"type":"ephemeral","ttl"?:"5m"|"1h"}`, passed on as the client wrote it. */
type Cacheable = { cache_control?: Record<string, unknown> };

export type TextBlock = { type: "text"; text: string } & Cacheable;
export type ImageBlock = {
  type: "image";
  source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
} & Cacheable;
export type ToolUseBlock = { type: "tool_use"; id: string; name: string; input: Record<string, unknown> } & Cacheable;
export type ToolResultBlock = { type: "tool_result"; tool_use_id: string; content?: string | Array<TextBlock | ImageBlock> } & Cacheable;

export type ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock | ReasoningBlock;

export interface MessageParam {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export type ToolParam = {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
} & Cacheable;

export type ToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export type ThinkingConfig = { type: "enabled"; budget_tokens: number } | { type: "adaptive"; display?: "summarized" | "omitted" };

export type Effort = "low" | "medium" | "high" | "xhigh" | "max";

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: TextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  metadata?: { user_id: string };
  tools?: ToolParam[];
  tool_choice?: ToolChoice;
  thinking?: ThinkingConfig;
  output_config?: { effort?: Effort; format?: { type: "json_schema"; schema: Record<string, unknown> } };
  /** Automatic prompt caching: one breakpoint, placed by Anthropic on the last cacheable block. */
  cache_control?: Record<string, unknown>;
  stream?: boolean;
}

/** `usage` of a message, and the cumulative `usage` of a `message_delta` event (where parts may be null). */
export interface NativeUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** `{"type":"error","error":{"type","message"},"request_id"}`, the body of every API error and of a stream `error` event. */
export interface ErrorBody {
  type: "error";
  error: { type: string; message: string; details?: { error_code?: string } | null };
  request_id?: string | null;
}
