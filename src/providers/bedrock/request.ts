import type { ChatRequestBody } from "../../openai/schema.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import type { Target, UpstreamRequest } from "../types.ts";
import { converseUrl } from "./endpoint.ts";
import { signedHeaders } from "./sign.ts";
import { cacheControlOf } from "../../openai/content.ts";
import { cachePoint, nativeMessages } from "./messages.ts";
import type { ConverseBody, ToolEntry } from "./wire.ts";
import { thinkingFor } from "./reasoning.ts";

/** A Converse or ConverseStream call, signed with SigV4 (async: signing hashes the payload). */
export async function buildRequest(body: ChatRequestBody, target: Target, stream: boolean): Promise<UpstreamRequest> {
  // The credentials step ran before the request was built (routing/attempt.ts prepareTarget).
  const creds = target.aws;
  if (!creds) throw new Error("a bedrock target without AWS credentials");
  const url = converseUrl(target.baseUrl, creds.region, target.model, stream);
  const payload = JSON.stringify(nativeRequest(body, target.model, stream));
  // Like the AWS SDKs: no Accept header; the operation decides the answer's content type.
  const headers = { ...target.headers, "content-type": "application/json" };
  return { url, init: { method: "POST", headers: await signedHeaders(url, payload, headers, creds), body: payload } };
}

/**
 * OpenAI parameters Converse has no way to honour. Each is refused with a 400 when set to a
 * value that would change the answer, rather than dropped. Parameters that only concern
 * bookkeeping on OpenAI's side (user, metadata, store, seed, service_tier, parallel_tool_calls,
 * prompt_cache_key, safety_identifier) are ignored.
 */
const UNSUPPORTED: ReadonlyArray<[string, (v: unknown) => boolean, string]> = [
  ["logprobs", (v) => v === true, "Bedrock Converse returns no log probabilities"],
  ["top_logprobs", (v) => v != null, "Bedrock Converse returns no log probabilities"],
  ["logit_bias", (v) => v != null && typeof v === "object" && Object.keys(v).length > 0, "Bedrock Converse has no logit bias"],
  ["frequency_penalty", (v) => v != null && v !== 0, "Bedrock Converse has no frequency penalty"],
  ["presence_penalty", (v) => v != null && v !== 0, "Bedrock Converse has no presence penalty"],
  ["audio", (v) => v != null, "Bedrock Converse does not produce audio"],
  ["modalities", (v) => Array.isArray(v) && v.some((m) => m !== "text"), "Bedrock Converse answers in text only"],
  ["prediction", (v) => v != null, "Bedrock Converse has no predicted outputs"],
  ["web_search_options", (v) => v != null, "Bedrock Converse has no built-in web search"],
  ["functions", (v) => v != null, "the legacy 'functions' parameter is not supported on Bedrock; use 'tools'"],
  ["function_call", (v) => v != null, "the legacy 'function_call' parameter is not supported on Bedrock; use 'tool_choice'"],
];

export function nativeRequest(body: ChatRequestBody, model: string, stream: boolean): ConverseBody {
  if (body.n != null && body.n !== 1) throw rejectRequest("Bedrock Converse returns one choice per request; n must be 1", "n");
  for (const [name, isSet, why] of UNSUPPORTED) {
    if (isSet(body[name])) throw rejectRequest(`${name} is not supported: ${why}`, name);
  }

  const toolConfig = toolConfigFor(body);
  const { system, messages } = nativeMessages(body.messages, toolConfig !== undefined);
  // Automatic caching (a top-level cache_control) caches the whole prompt: a checkpoint at its end.
  const cache = cacheControlOf(body, "");
  const last = messages.at(-1);
  if (cache && last && !("cachePoint" in (last.content.at(-1) ?? {}))) last.content.push(cachePoint(cache));
  const out: ConverseBody = { messages };
  if (system.length) out.system = system;

  const clientMax = numberOrUndefined(body.max_completion_tokens) ?? numberOrUndefined(body.max_tokens);
  const thinking = thinkingFor(body.reasoning_effort, model, clientMax, stream);
  const inference: NonNullable<ConverseBody["inferenceConfig"]> = {};
  const maxTokens = thinking?.maxTokens ?? clientMax;
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  const temperature = numberOrUndefined(body.temperature);
  if (temperature !== undefined) {
    // OpenAI's range is 0-2, Converse's 0-1: rescaling would change what the client asked for.
    if (temperature > 1) throw rejectRequest(`temperature must be between 0 and 1 on Bedrock; got ${temperature}`, "temperature");
    inference.temperature = temperature;
  }
  const topP = numberOrUndefined(body.top_p);
  if (topP !== undefined) inference.topP = topP;
  const stop = stopSequences(body.stop);
  if (stop) inference.stopSequences = stop;
  if (Object.keys(inference).length) out.inferenceConfig = inference;

  if (toolConfig) out.toolConfig = toolConfig;
  if (thinking) out.additionalModelRequestFields = thinking.additionalModelRequestFields;
  const outputConfig = outputConfigFor(body.response_format);
  if (outputConfig) out.outputConfig = outputConfig;
  return out;
}

/**
 * tools + tool_choice → toolConfig, or undefined when the model must not see tools: no tools,
 * or tool_choice "none" (Converse has no such mode, so the tools are left out — docs/ARCHITECTURE.md).
 */
function toolConfigFor(body: ChatRequestBody): ConverseBody["toolConfig"] {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, any>[]) : [];
  const choice = body.tool_choice;
  if (!tools.length) {
    if (choice != null && choice !== "none" && choice !== "auto") {
      throw rejectRequest("tool_choice needs tools: name at least one function in 'tools'", "tool_choice");
    }
    return undefined;
  }
  if (choice === "none") return undefined;
  const entries = tools.flatMap((t, i): ToolEntry[] => {
    if (t.type !== "function" || !t.function)
      throw rejectRequest(`only function tools are supported by bedrock; tools[${i}] is '${t.type}'`, `tools[${i}].type`);
    const f = t.function;
    const spec: Extract<ToolEntry, { toolSpec: unknown }>["toolSpec"] = {
      name: f.name,
      inputSchema: { json: f.parameters ?? { type: "object", properties: {} } },
    };
    if (typeof f.description === "string" && f.description) spec.description = f.description;
    if (typeof f.strict === "boolean") spec.strict = f.strict;
    const cc = cacheControlOf(t, `tools[${i}]`);
    return cc ? [{ toolSpec: spec }, cachePoint(cc)] : [{ toolSpec: spec }];
  });
  const config: NonNullable<ConverseBody["toolConfig"]> = { tools: entries };
  if (choice == null || choice === "auto") config.toolChoice = { auto: {} };
  else if (choice === "required") config.toolChoice = { any: {} };
  else if (typeof choice === "object" && (choice as any).type === "function" && typeof (choice as any).function?.name === "string") {
    config.toolChoice = { tool: { name: (choice as any).function.name } };
  } else {
    throw rejectRequest(`tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":...}}`, "tool_choice");
  }
  return config;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop == null) return undefined;
  if (typeof stop === "string") return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) return stop.length ? stop : undefined;
  throw rejectRequest("stop must be a string or an array of strings", "stop");
}

/**
 * response_format json_schema → Converse structured output (outputConfig.textFormat, which
 * takes the schema as a JSON string). json_object has no Converse equivalent without a schema.
 */
function outputConfigFor(format: unknown): ConverseBody["outputConfig"] {
  if (format == null) return undefined;
  const f = format as Record<string, any>;
  if (f.type === "text") return undefined;
  if (f.type === "json_schema" && f.json_schema && typeof f.json_schema.schema === "object") {
    const jsonSchema: { schema: string; name?: string; description?: string } = { schema: JSON.stringify(f.json_schema.schema) };
    if (typeof f.json_schema.name === "string") jsonSchema.name = f.json_schema.name;
    if (typeof f.json_schema.description === "string") jsonSchema.description = f.json_schema.description;
    return { textFormat: { type: "json_schema", structure: { jsonSchema } } };
  }
  throw rejectRequest(
    `response_format '${f.type}' is not supported by Bedrock Converse; use {"type":"json_schema","json_schema":{"name":...,"schema":{...}}}`,
    "response_format",
  );
}

function numberOrUndefined(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}
