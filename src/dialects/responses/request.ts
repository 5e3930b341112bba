import { obviouslyValidResponses } from "./quick-valid.ts";
import { ApiError, rejectRequest } from "../../errors/vocabulary.ts";
import { exceedsDepth } from "../../http/body.ts";
import { type ChatRequestBody, paramPath } from "../../openai/schema.ts";
import { ResponsesRequest, type ResponsesInputItem, type ResponsesRequestBody } from "./schema.ts";

export interface ResponsesLimits {
  maxJsonDepth: number;
  maxMessages: number;
}

/** A parsed body → a validated Responses request, or ApiError 400 naming the parameter as OpenAI does (`input[0].content`). */
export function responsesRequest(raw: unknown, limits: ResponsesLimits): ResponsesRequestBody {
  if (exceedsDepth(raw, limits.maxJsonDepth)) throw new ApiError("too_deep", `The request nests JSON deeper than ${limits.maxJsonDepth} levels.`);
  let body: ResponsesRequestBody;
  if (obviouslyValidResponses(raw)) body = raw as ResponsesRequestBody;
  else {
    const checked = ResponsesRequest.safeParse(raw);
    if (!checked.success) {
      const issue = deepest(checked.error.issues[0]!);
      const param = paramPath(issue.path);
      throw new ApiError("invalid_value", param ? `Invalid '${param}': ${issue.message}` : issue.message, param || null);
    }
    body = checked.data;
  }
  if (Array.isArray(body.input) && body.input.length > limits.maxMessages) {
    throw new ApiError("too_many_messages", `Too many input items: ${body.input.length}, the limit is ${limits.maxMessages}.`, "input");
  }
  return body;
}

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  errors?: Issue[][];
}

/**
 * A union's failure names the union (`input`); the member that got furthest names the field
 * (`input[0].content`), which is what a client needs to hear.
 */
function deepest(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || !issue.errors?.length) return issue;
  let best: Issue = issue;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = deepest({ ...inner, path: [...issue.path, ...inner.path] });
      if (candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best;
}

type Message = ChatRequestBody["messages"][number];
type Json = Record<string, unknown>;

/**
 * A Responses request → the engine's OpenAI chat request, for a target that does not speak the
 * Responses API (everything but OpenAI and Azure):
 *
 * - `instructions` → a system message first; `input` as a string → one user message.
 * - A `message` item → a chat message of its role (`developer` → `system`): `input_text` and
 *   `output_text` parts → text, `input_image` with a URL → an `image_url` part.
 * - `function_call` items → `tool_calls` on the assistant message before them (or a new one),
 *   ids kept as `call_id`s; `function_call_output` → a `tool` message with that id.
 * - `reasoning` items are the model's own state for OpenAI; another model has no use for them and
 *   they are left out (as chat completions leave out earlier reasoning).
 * - Function `tools` → chat function tools; `tool_choice` as is, a named function → chat's form.
 * - `reasoning.effort` → `reasoning_effort`; `text.format` json_schema/json_object →
 *   `response_format`; `max_output_tokens` → `max_completion_tokens`; `temperature`, `top_p`,
 *   `parallel_tool_calls`, `user` as they are. `metadata`, `store` and `include` are not sent.
 * - Built-in tools (web search, file search…), file and audio parts and other item types exist
 *   only on OpenAI's side: refused with a 400 naming them, never silently dropped.
 *
 * `previous_response_id` is not read here: the handler refuses it for a translated target (the
 * engine keeps no conversation state).
 */
export function toChatRequest(body: ResponsesRequestBody): ChatRequestBody {
  const messages: Message[] = [];
  if (body.instructions) messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else if (body.input) body.input.forEach((item, i) => addItem(messages, item, `input[${i}]`));
  if (messages.length === 0) throw new ApiError("invalid_value", "Missing required parameter: 'input'.", "input");

  const out: ChatRequestBody = { model: body.model, messages };
  if (body.stream) out.stream = true;
  if (body.tools?.length) {
    out.tools = body.tools.map((tool, i) => {
      if (tool.type !== "function" || !tool.name) {
        throw rejectRequest(
          `tools[${i}] is a '${tool.type}' tool, which only OpenAI's Responses API runs; this target takes function tools only.`,
          `tools[${i}].type`,
        );
      }
      const fn: Json = { name: tool.name };
      if (tool.description) fn.description = tool.description;
      if (tool.parameters) fn.parameters = tool.parameters;
      if (typeof tool.strict === "boolean") fn.strict = tool.strict;
      return { type: "function", function: fn };
    });
  }
  const choice = body.tool_choice;
  if (typeof choice === "string") out.tool_choice = choice;
  else if (choice) {
    if (choice.type !== "function" || !choice.name) throw rejectRequest(`tool_choice of type '${choice.type}' cannot be sent to this target.`, "tool_choice");
    out.tool_choice = { type: "function", function: { name: choice.name } };
  }
  if (typeof body.parallel_tool_calls === "boolean") out.parallel_tool_calls = body.parallel_tool_calls;
  if (body.reasoning?.effort) out.reasoning_effort = body.reasoning.effort;
  const format = body.text?.format;
  if (format?.type === "json_schema") {
    const schema: Json = { name: format.name ?? "response", schema: format.schema ?? {} };
    if (typeof format.strict === "boolean") schema.strict = format.strict;
    if (format.description) schema.description = format.description;
    out.response_format = { type: "json_schema", json_schema: schema };
  } else if (format?.type === "json_object") out.response_format = { type: "json_object" };
  else if (format && format.type !== "text") throw rejectRequest(`text.format of type '${format.type}' cannot be sent to this target.`, "text.format.type");
  if (body.max_output_tokens != null) out.max_completion_tokens = body.max_output_tokens;
  if (body.temperature != null) out.temperature = body.temperature;
  if (body.top_p != null) out.top_p = body.top_p;
  if (body.user) out.user = body.user;
  return out;
}

function addItem(messages: Message[], item: ResponsesInputItem, param: string): void {
  const type = item.type ?? "message";
  if (type === "message" && "role" in item) {
    const role = item.role === "developer" ? "system" : (item.role as string);
    const content = item.content as string | Json[];
    if (role === "assistant") {
      messages.push({ role, content: typeof content === "string" ? content : textOf(content, `${param}.content`) });
    } else {
      messages.push({ role, content: typeof content === "string" ? content : parts(content, `${param}.content`, role !== "user") });
    }
    return;
  }
  if (type === "function_call") {
    const call = item as { call_id: string; name: string; arguments: string };
    const toolCall = { id: call.call_id, type: "function", function: { name: call.name, arguments: call.arguments } };
    const last = messages.at(-1);
    // Parallel calls arrive as consecutive items: one assistant turn, as chat has it.
    if (last?.role === "assistant") {
      last.tool_calls = [...((last.tool_calls as unknown[]) ?? []), toolCall];
    } else messages.push({ role: "assistant", content: null, tool_calls: [toolCall] });
    return;
  }
  if (type === "function_call_output") {
    const result = item as { call_id: string; output: string | Json[] };
    const content = typeof result.output === "string" ? result.output : textOf(result.output, `${param}.output`);
    messages.push({ role: "tool", tool_call_id: result.call_id, content });
    return;
  }
  if (type === "reasoning") return;
  throw rejectRequest(`${param} is a '${type}' item, which only OpenAI's Responses API takes; this target cannot.`, `${param}.type`);
}

/** Parts → chat content parts (text and images); a system message keeps text only. */
function parts(content: Json[], param: string, textOnly: boolean): string | Json[] {
  const out: Json[] = [];
  content.forEach((part, i) => {
    if (part.type === "input_text" || part.type === "output_text") out.push({ type: "text", text: part.text });
    else if (part.type === "input_image" && typeof part.image_url === "string" && !textOnly) {
      const image: Json = { url: part.image_url };
      if (typeof part.detail === "string") image.detail = part.detail;
      out.push({ type: "image_url", image_url: image });
    } else throw rejectRequest(`${param}[${i}] is an '${String(part.type)}' part this target cannot take (text, and images by URL, only).`, `${param}[${i}]`);
  });
  // A lone text part is plain content, as most chat clients send it.
  return out.length === 1 && out[0]!.type === "text" ? (out[0]!.text as string) : out;
}

/** The text of text-only parts (an assistant turn, a tool's output). */
function textOf(content: Json[], param: string): string {
  return content
    .map((part, i) => {
      if (part.type === "input_text" || part.type === "output_text") return part.text as string;
      if (part.type === "refusal") return part.refusal as string;
      throw rejectRequest(`${param}[${i}] is an '${String(part.type)}' part; only text can be sent to this target here.`, `${param}[${i}]`);
    })
    .join("");
}
