import { z } from "zod";

/**
 * OpenAI's Responses API request (`POST /v1/responses`), as the official `openai` SDK and Codex
 * CLI send it. Checked at the edge only as far as routing and the chat translation need: the
 * fields the translation reads are typed; everything else is carried along untouched (a
 * pass-through target gets the client's own body, built-in tools and all).
 */

const Text = z.looseObject({ type: z.enum(["input_text", "output_text"]), text: z.string() });
const Image = z.looseObject({
  type: z.literal("input_image"),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
});
const Refusal = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
/** Another part type (input_file, input_audio…): valid for pass-through, refused by the translation. */
const OtherPart = z.looseObject({ type: z.string() });
const Part = z.union([Text, Image, Refusal, OtherPart]);

export const MessageItem = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(Part)]),
});

export const FunctionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  id: z.string().nullish(),
});

export const FunctionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(Part)]),
});

/** Any other item (reasoning, web_search_call, item_reference…): a `type` is all that is asked here. */
const OtherItem = z.looseObject({ type: z.string() });

export const InputItem = z.union([MessageItem, FunctionCallItem, FunctionCallOutputItem, OtherItem]);

const Tool = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

const ToolChoice = z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string(), name: z.string().optional() })]);

const Format = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullish(),
  description: z.string().nullish(),
});

export const ResponsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(InputItem)]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(Tool).nullish(),
  tool_choice: ToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  text: z.looseObject({ format: Format.nullish(), verbosity: z.string().nullish() }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
});

export type ResponsesRequestBody = z.infer<typeof ResponsesRequest>;
export type ResponsesInputItem = z.infer<typeof InputItem>;
