import { cacheControlOf } from "../../openai/content.ts";
import type { ChatRequestBody } from "../../openai/schema.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import type { ToolChoice, ToolParam } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

/**
 * `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic's `tools` and `tool_choice`:
 * auto → auto, none → {type:"none"}, required → {type:"any"}, a named function → {type:"tool"};
 * `parallel_tool_calls: false` becomes `disable_parallel_tool_use` on the choice (Anthropic has no
 * separate switch). Without tools there is nothing to choose from, so no choice is sent.
 */
export function toolFields(body: ChatRequestBody): { tools?: ToolParam[]; tool_choice?: ToolChoice } {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0) return {};
  const out: { tools: ToolParam[]; tool_choice?: ToolChoice } = { tools: tools.map(toolParam) };
  let choice = toolChoice(body.tool_choice);
  if (body.parallel_tool_calls === false) {
    choice ??= { type: "auto" };
    if (choice.type !== "none") choice = { ...choice, disable_parallel_tool_use: true };
  }
  if (choice) out.tool_choice = choice;
  return out;
}

function toolParam(tool: any, i: number): ToolParam {
  if (tool?.type !== "function" || !tool.function) {
    throw rejectRequest(`tools of type '${tool?.type}' are not supported by ${PROVIDER}; only function tools are`, `tools[${i}].type`);
  }
  const fn = tool.function;
  const param: ToolParam = { name: fn.name, input_schema: inputSchema(fn.parameters) };
  if (typeof fn.description === "string" && fn.description !== "") param.description = fn.description;
  if (typeof fn.strict === "boolean") param.strict = fn.strict;
  const cc = cacheControlOf(tool, `tools[${i}]`);
  if (cc) param.cache_control = cc;
  return param;
}

/** OpenAI lets a function omit its parameters; Anthropic needs an object schema. */
function inputSchema(parameters: unknown): Record<string, unknown> {
  if (!parameters || typeof parameters !== "object") return { type: "object", properties: {} };
  const schema = parameters as Record<string, unknown>;
  return schema.type === undefined ? { type: "object", ...schema } : schema;
}

function toolChoice(choice: unknown): ToolChoice | undefined {
  if (choice == null || choice === "auto") return choice == null ? undefined : { type: "auto" };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any" };
  const named = choice as { type?: unknown; function?: { name?: unknown } };
  if (named && typeof named === "object" && named.type === "function" && typeof named.function?.name === "string") {
    return { type: "tool", name: named.function.name };
  }
  throw rejectRequest(
    `this tool_choice is not supported by ${PROVIDER}; use "auto", "none", "required" or {"type":"function","function":{"name":...}}`,
    "tool_choice",
  );
}
