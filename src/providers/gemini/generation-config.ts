import type { ChatRequestBody } from "../../openai/schema.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import { geminiSchema } from "./schema.ts";
import type { Json } from "./wire.ts";
import { lookup } from "../lookup.ts";

/**
 * Sampling and output parameters → `generationConfig`. Parameters Gemini has no counterpart for,
 * and that change the answer, are refused (400 naming the parameter) rather than dropped.
 * `parallel_tool_calls`, `user`, `metadata`, `store`, `service_tier` and other fields that do not
 * change the answer are not sent.
 */
export function generationConfig(body: ChatRequestBody, model: string): Json | undefined {
  refuseUnsupported(body);
  const out: Json = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) out[key] = value;
  };
  set("temperature", body.temperature);
  set("topP", body.top_p);
  set("maxOutputTokens", body.max_completion_tokens ?? body.max_tokens);
  set("stopSequences", typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) && body.stop.length ? body.stop : undefined);
  if (typeof body.n === "number" && body.n > 1) out.candidateCount = body.n;
  set("seed", body.seed);
  set("presencePenalty", body.presence_penalty);
  set("frequencyPenalty", body.frequency_penalty);
  Object.assign(out, responseFormat(body.response_format));
  const thinking = thinkingConfig(body.reasoning_effort, model);
  if (thinking) out.thinkingConfig = thinking;
  return Object.keys(out).length ? out : undefined;
}

function refuseUnsupported(body: ChatRequestBody) {
  const refuse = (param: string, what: string) => {
    throw rejectRequest(`${what} is not supported by Gemini`, param);
  };
  if (body.logprobs === true) refuse("logprobs", "logprobs");
  if (body.top_logprobs != null) refuse("top_logprobs", "top_logprobs");
  if (body.logit_bias && Object.keys(body.logit_bias as object).length) refuse("logit_bias", "logit_bias");
  if (body.audio != null) refuse("audio", "audio output");
  if (Array.isArray(body.modalities) && body.modalities.some((m) => m !== "text")) refuse("modalities", "output modalities other than text are");
  if (body.prediction != null) refuse("prediction", "predicted outputs are");
  if (body.web_search_options != null) refuse("web_search_options", "web_search_options");
}

/** json_object → JSON MIME type; json_schema → JSON MIME type plus the schema, cleaned like tool schemas. */
function responseFormat(format: unknown): Json {
  const f = format as any;
  if (!f || f.type === "text") return {};
  if (f.type === "json_object") return { responseMimeType: "application/json" };
  if (f.type === "json_schema") {
    const schema = f.json_schema?.schema;
    if (schema === undefined) return { responseMimeType: "application/json" };
    return { responseMimeType: "application/json", responseSchema: geminiSchema(schema, "response_format.json_schema.schema") };
  }
  throw rejectRequest(`response_format of type '${f.type}' is not supported by Gemini`, "response_format.type");
}

const GEMINI_MAJOR = /^(?:models\/)?gemini-(\d+)/;
/** Google's own OpenAI-compatible endpoint uses these budgets for 2.5 models: 1K, 8K, 24K. */
const BUDGETS: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 24576 };
const LEVELS = new Set(["minimal", "low", "medium", "high", "xhigh"]);

/**
 * reasoning_effort → thinkingConfig, with includeThoughts so the thought summaries come back as
 * reasoning_content. Gemini 3 and later take a thinkingLevel (the effort's own name; "none" asks
 * for MINIMAL, the least those models allow); earlier models take a thinkingBudget (0 for "none",
 * which turns thinking off where the model permits). A level a model does not offer (MINIMAL on
 * 3 Pro, say) is refused by Gemini with its own 400, which reaches the client unchanged.
 * Without reasoning_effort the model's default thinking applies and no thoughts are returned.
 */
function thinkingConfig(effort: unknown, model: string): Json | undefined {
  if (effort == null) return undefined;
  if (typeof effort !== "string" || lookup(BUDGETS, effort) === undefined) {
    throw rejectRequest(`reasoning_effort must be one of ${Object.keys(BUDGETS).join(", ")}`, "reasoning_effort");
  }
  const major = Number(GEMINI_MAJOR.exec(model)?.[1] ?? 0);
  if (major >= 3) {
    if (!LEVELS.has(effort)) return { thinkingLevel: "MINIMAL" };
    return { thinkingLevel: effort.toUpperCase(), includeThoughts: true };
  }
  if (effort === "none") return { thinkingBudget: 0 };
  return { thinkingBudget: BUDGETS[effort], includeThoughts: true };
}
