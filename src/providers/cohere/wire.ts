/**
 * The parts of Cohere's v2 chat API (POST /v2/chat) this adapter writes and reads. Responses and
 * stream events are read defensively: new event types appear without a version change.
 */

/** The provider's name in messages, spelt as the registry spells it. */
export const PROVIDER = "cohere";

export type CohereContentPart =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } };

export interface CohereToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/**
 * A Cohere v2 chat message. Only the fields Cohere defines: it answers 422 "unknown field" for any
 * other (an OpenAI `name` on a message, `strict` on a tool), so nothing is copied over wholesale.
 */
export type CohereMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | CohereContentPart[] }
  | { role: "assistant"; content?: string | CohereContentPart[]; tool_calls?: CohereToolCall[]; tool_plan?: string }
  | { role: "tool"; tool_call_id: string; content: string };

export interface CohereTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The body of `POST /v2/chat`. */
export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  strict_tools?: boolean;
  tool_choice?: "REQUIRED" | "NONE";
  response_format?: { type: "json_object"; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  k?: number;
  p?: number;
  thinking?: { type: "enabled" | "disabled"; token_budget?: number };
  [k: string]: unknown;
}

/** Cohere v2's `usage` object, on a chat response and on the stream's `message-end` event. */
export interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number; [k: string]: unknown };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
  [k: string]: unknown;
}
