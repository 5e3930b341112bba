import type { ChatRequestBody } from "../../openai/schema.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import type { Target, UpstreamRequest } from "../types.ts";
import { nativeMessages } from "./messages.ts";
import { modelTraits } from "./models.ts";
import { reasoning } from "./reasoning.ts";
import { samplingFields } from "./sampling.ts";
import { toolFields } from "./tools.ts";
import type { MessagesRequest } from "./wire.ts";
import { cacheControlOf } from "../../openai/content.ts";
import { PROVIDER } from "./wire.ts";

/** The Messages API version this translation is written against. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** POST {ANTHROPIC_BASE_URL}/v1/messages with the key in x-api-key; config headers (anthropic-beta, say) ride along. */
export function buildRequest(body: ChatRequestBody, target: Target, stream: boolean): UpstreamRequest {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...target.headers,
    "anthropic-version": ANTHROPIC_VERSION,
  };
  if (target.key) headers["x-api-key"] = target.key;
  return {
    url: `${target.baseUrl}/v1/messages`,
    init: { method: "POST", headers, body: JSON.stringify(nativeRequest(body, target.model, stream)) },
  };
}

/**
 * The OpenAI request as an Anthropic Messages request. Parameters Anthropic cannot honour in a way
 * the client would notice (several choices, logprobs, audio out, JSON mode) are refused with a 400
 * naming them; parameters that only tune sampling and have no Anthropic counterpart (seed,
 * frequency/presence penalties, logit_bias, service_tier, store, prediction) are not sent.
 */
export function nativeRequest(body: ChatRequestBody, model: string, stream: boolean): MessagesRequest {
  refuseUnsupported(body);
  const traits = modelTraits(model);
  const { system, messages } = nativeMessages(body.messages);
  const requestedMax = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
  const thought = reasoning(body.reasoning_effort, traits, requestedMax);

  const out: MessagesRequest = { model, max_tokens: thought.maxTokens, messages };
  if (system.length) out.system = system;
  Object.assign(out, samplingFields(body, model, traits, thought.thinks));
  const stops = stopSequences(body.stop);
  if (stops) out.stop_sequences = stops;
  if (typeof body.user === "string" && body.user !== "") out.metadata = { user_id: body.user };
  Object.assign(out, toolFields(body));
  if (thought.thinking) out.thinking = thought.thinking;
  const format = outputFormat(body.response_format);
  if (thought.effort || format) {
    out.output_config = {};
    if (thought.effort) out.output_config.effort = thought.effort;
    if (format) out.output_config.format = format;
  }
  // Automatic caching: Anthropic puts this breakpoint on the last cacheable block itself.
  const cache = cacheControlOf(body, "");
  if (cache) out.cache_control = cache;
  if (stream) out.stream = true;
  return out;
}

function refuseUnsupported(body: ChatRequestBody): void {
  if (typeof body.n === "number" && body.n > 1) {
    throw rejectRequest(`${PROVIDER} returns one choice per request; n must be 1`, "n");
  }
  if (body.logprobs === true || body.top_logprobs != null) {
    throw rejectRequest(`${PROVIDER} does not return log probabilities`, body.logprobs === true ? "logprobs" : "top_logprobs");
  }
  const modalities = body.modalities;
  if (body.audio != null || (Array.isArray(modalities) && modalities.includes("audio"))) {
    throw rejectRequest(`${PROVIDER} does not produce audio output`, body.audio != null ? "audio" : "modalities");
  }
}

/** The stop sequences as Anthropic's array; OpenAI takes one string or up to four. */
function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === "string") return stop === "" ? undefined : [stop];
  if (Array.isArray(stop)) {
    const list = stop.filter((s): s is string => typeof s === "string" && s !== "");
    return list.length ? list : undefined;
  }
  return undefined;
}

/**
 * `response_format: {type: "json_schema"}` → `output_config.format`, Anthropic's structured
 * outputs (constrained decoding, the answer arrives as JSON text in the message, as with OpenAI).
 * Models before Claude 4.5 reject it with a 400 of their own. JSON mode (`json_object`) has no
 * Anthropic counterpart that guarantees JSON, so it is refused instead of silently becoming text.
 */
function outputFormat(format: unknown): { type: "json_schema"; schema: Record<string, unknown> } | undefined {
  if (format == null) return undefined;
  const rf = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (rf.type === "text") return undefined;
  if (rf.type === "json_schema") {
    const schema = rf.json_schema?.schema;
    if (!schema || typeof schema !== "object" || Array.isArray(schema)) {
      throw rejectRequest("response_format.json_schema.schema must be a JSON schema object", "response_format.json_schema.schema");
    }
    return { type: "json_schema", schema: schema as Record<string, unknown> };
  }
  if (rf.type === "json_object") {
    throw rejectRequest(
      `${PROVIDER} has no JSON mode; send response_format {"type":"json_schema","json_schema":{...}} for a guaranteed JSON answer`,
      "response_format",
    );
  }
  throw rejectRequest(`response_format of type '${String(rf.type)}' is not supported by ${PROVIDER}`, "response_format.type");
}

function positiveInt(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null;
}
