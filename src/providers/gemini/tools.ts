import type { ChatRequestBody } from "../../openai/schema.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import { functionParameters } from "./schema.ts";
import type { GenerateContentRequest, Json } from "./wire.ts";

type ToolFields = Pick<GenerateContentRequest, "tools" | "toolConfig">;

/**
 * OpenAI `tools` (and the legacy `functions`) → one Gemini tool holding every function
 * declaration, and `tool_choice` (or `function_call`) → `toolConfig.functionCallingConfig`:
 * auto → AUTO, none → NONE, required → ANY, a named function → ANY limited to that name,
 * `allowed_tools` → VALIDATED (auto) or ANY (required) limited to the listed names.
 */
export function toolFields(body: ChatRequestBody): ToolFields {
  const declarations: Json[] = [];
  const tools = Array.isArray(body.tools) ? body.tools : [];
  tools.forEach((tool: any, i) => {
    if (tool?.type !== "function" || !tool.function) {
      throw rejectRequest(`tools of type '${tool?.type}' are not supported by Gemini`, `tools[${i}].type`);
    }
    declarations.push(declaration(tool.function, `tools[${i}].function`));
  });
  const functions = Array.isArray(body.functions) ? body.functions : [];
  functions.forEach((fn: any, i) => declarations.push(declaration(fn, `functions[${i}]`)));

  const choice = body.tool_choice ?? legacyChoice(body.function_call);
  const config = callingConfig(choice, declarations.length > 0);
  const out: ToolFields = {};
  if (declarations.length) out.tools = [{ functionDeclarations: declarations }];
  if (config) out.toolConfig = { functionCallingConfig: config };
  return out;
}

function declaration(fn: any, param: string): Json {
  if (typeof fn?.name !== "string" || !fn.name) throw rejectRequest(`${param}.name is required`, `${param}.name`);
  const out: Json = { name: fn.name };
  if (typeof fn.description === "string" && fn.description) out.description = fn.description;
  const parameters = functionParameters(fn.parameters, `${param}.parameters`);
  if (parameters) out.parameters = parameters;
  return out;
}

function legacyChoice(fc: unknown): unknown {
  if (fc && typeof fc === "object" && typeof (fc as any).name === "string") return { type: "function", function: { name: (fc as any).name } };
  return fc;
}

function callingConfig(choice: unknown, haveTools: boolean): { mode: string; allowedFunctionNames?: string[] } | undefined {
  if (choice == null) return undefined;
  const needsTools = () => {
    if (!haveTools) throw rejectRequest("tool_choice requires tools", "tool_choice");
  };
  if (choice === "auto") return haveTools ? { mode: "AUTO" } : undefined;
  if (choice === "none") return haveTools ? { mode: "NONE" } : undefined;
  if (choice === "required") {
    needsTools();
    return { mode: "ANY" };
  }
  const c = choice as any;
  if (c?.type === "function" && typeof c.function?.name === "string") {
    needsTools();
    return { mode: "ANY", allowedFunctionNames: [c.function.name] };
  }
  if (c?.type === "allowed_tools" && c.allowed_tools) {
    needsTools();
    const names = (Array.isArray(c.allowed_tools.tools) ? c.allowed_tools.tools : [])
      .map((t: any) => t?.function?.name)
      .filter((n: unknown): n is string => typeof n === "string");
    const mode = c.allowed_tools.mode === "required" ? "ANY" : "VALIDATED";
    return names.length ? { mode, allowedFunctionNames: names } : { mode };
  }
  throw rejectRequest(`tool_choice ${JSON.stringify(choice)} is not supported by Gemini`, "tool_choice");
}
