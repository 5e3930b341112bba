import type { ChatRequestBody } from "../../openai/schema.ts";
import type { Target, UpstreamRequest } from "../types.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import { nativeMessages } from "./messages.ts";
import type { CohereChatRequest, CohereTool } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

/**
 * Cohere's own request fields a client can add to an OpenAI request (the SDKs' `extra_body`); they
 * go up unchanged and win over anything mapped from OpenAI fields.
 */
const NATIVE_FIELDS = ["documents", "citation_options", "safety_mode", "strict_tools", "priority", "thinking", "k"] as const;

// Cohere's `p` must lie in [0.01, 0.99]; OpenAI clients routinely send top_p 1 ("no cut-off").
const P_MIN = 0.01;
const P_MAX = 0.99;

/** `POST {COHERE_BASE_URL}/v2/chat` with a Bearer key; `stream: true` answers in SSE. */
export function buildRequest(body: ChatRequestBody, target: Target, stream: boolean): UpstreamRequest {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    ...target.headers,
  };
  if (target.key) headers.authorization = `Bearer ${target.key}`;
  return { url: `${target.baseUrl}/v2/chat`, init: { method: "POST", headers, body: JSON.stringify(nativeRequest(body, target.model, stream)) } };
}

/** OpenAI chat request → Cohere v2 chat request. Throws UpstreamError 400 for what Cohere cannot do. */
export function nativeRequest(body: ChatRequestBody, model: string, stream: boolean): CohereChatRequest {
  refuseUnsupported(body);
  const out: CohereChatRequest = { model, messages: nativeMessages(body.messages), stream };
  Object.assign(out, toolFields(body), samplingFields(body));
  const format = responseFormat(body.response_format);
  if (format) out.response_format = format;
  if (typeof body.reasoning_effort === "string") {
    out.thinking = { type: body.reasoning_effort === "none" ? "disabled" : "enabled" };
  }
  for (const field of NATIVE_FIELDS) if (body[field] != null) (out as Record<string, unknown>)[field] = body[field];
  return out;
}

function refuseUnsupported(body: ChatRequestBody): void {
  if (typeof body.n === "number" && body.n > 1) throw rejectRequest(`${PROVIDER} returns one choice per request; n must be 1`, "n");
  if (body.logprobs === true || body.top_logprobs != null) {
    throw rejectRequest(`log probabilities are not available for ${PROVIDER} through this gateway`, body.logprobs === true ? "logprobs" : "top_logprobs");
  }
  if (body.audio != null || (Array.isArray(body.modalities) && body.modalities.includes("audio"))) {
    throw rejectRequest(`${PROVIDER} does not produce audio`, body.audio != null ? "audio" : "modalities");
  }
  if (body.functions != null || body.function_call != null) {
    throw rejectRequest(
      `the legacy 'functions' parameters are not supported for ${PROVIDER}; use 'tools'`,
      body.functions != null ? "functions" : "function_call",
    );
  }
  if (body.logit_bias && typeof body.logit_bias === "object" && Object.keys(body.logit_bias).length > 0) {
    throw rejectRequest(`${PROVIDER} does not support logit_bias`, "logit_bias");
  }
}

function samplingFields(body: ChatRequestBody): Partial<CohereChatRequest> {
  const out: Partial<CohereChatRequest> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === "number") out.max_tokens = maxTokens;
  if (typeof body.temperature === "number") out.temperature = body.temperature;
  if (typeof body.top_p === "number") out.p = Math.min(P_MAX, Math.max(P_MIN, body.top_p));
  if (typeof body.top_k === "number") out.k = body.top_k;
  if (typeof body.seed === "number") out.seed = body.seed;
  // Cohere's penalties range over [0, 1]; values outside it are left for Cohere to refuse by name.
  if (typeof body.frequency_penalty === "number") out.frequency_penalty = body.frequency_penalty;
  if (typeof body.presence_penalty === "number") out.presence_penalty = body.presence_penalty;
  if (typeof body.stop === "string") out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) out.stop_sequences = body.stop as string[];
  return out;
}

/**
 * Cohere cannot name the tool to call, only force some call (`REQUIRED`). A named tool_choice is
 * honoured by offering that one tool alone with `REQUIRED`: the model must call a tool, and it is
 * the only one there. `parallel_tool_calls` has no Cohere counterpart and is not sent.
 */
function toolFields(body: ChatRequestBody): Partial<CohereChatRequest> {
  const choice = body.tool_choice;
  const given = Array.isArray(body.tools) ? body.tools : [];
  if (given.length === 0) {
    if (choice === "required" || (choice && typeof choice === "object")) throw rejectRequest("tool_choice requires tools", "tool_choice");
    return {};
  }
  let tools = given.map(cohereTool);
  const out: Partial<CohereChatRequest> = {};
  // OpenAI marks strictness per tool; Cohere has one switch for all of them.
  if (given.some((t: any) => t?.function?.strict === true)) out.strict_tools = true;
  if (choice === "none") out.tool_choice = "NONE";
  else if (choice === "required") out.tool_choice = "REQUIRED";
  else if (choice && typeof choice === "object") {
    const name = (choice as any).function?.name;
    tools = tools.filter((t) => t.function.name === name);
    if ((choice as any).type !== "function" || tools.length === 0) {
      throw rejectRequest(`tool_choice names a function that is not among the tools: '${name}'`, "tool_choice");
    }
    out.tool_choice = "REQUIRED";
  } else if (choice != null && choice !== "auto") {
    throw rejectRequest(`tool_choice '${String(choice)}' is not supported by ${PROVIDER}`, "tool_choice");
  }
  out.tools = tools;
  return out;
}

function cohereTool(tool: any, i: number): CohereTool {
  if (tool?.type !== "function" || !tool.function) {
    throw rejectRequest(`tools of type '${tool?.type}' are not supported by ${PROVIDER}; only function tools are`, `tools[${i}].type`);
  }
  const fn = tool.function;
  return {
    type: "function",
    function: {
      name: fn.name,
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      // Cohere requires a parameters schema; OpenAI lets a function without parameters omit it.
      parameters: fn.parameters ?? { type: "object", properties: {} },
    },
  };
}

function responseFormat(format: unknown): CohereChatRequest["response_format"] | undefined {
  if (format == null) return undefined;
  const type = (format as any)?.type;
  if (type === "text") return undefined;
  if (type === "json_object") return { type: "json_object" };
  if (type === "json_schema") {
    const schema = (format as any).json_schema?.schema;
    if (!schema || typeof schema !== "object") throw rejectRequest("response_format.json_schema.schema is required", "response_format.json_schema.schema");
    return { type: "json_object", json_schema: schema };
  }
  throw rejectRequest(`response_format type '${String(type)}' is not supported by ${PROVIDER}`, "response_format.type");
}
