import { errorTypeForStatus } from "../openai/errors.ts";
import type { ChatCompletion, ChatRequestBody } from "../openai/schema.ts";
import { badUpstream, genericError, retryHeaders, UpstreamError } from "./errors.ts";
import { sseEvents } from "./sse.ts";
import type { MappedError, ProtocolAdapter, StreamChunk, Target } from "./types.ts";
import type { StreamBody } from "./upstream-body.ts";

/**
 * Every provider that speaks OpenAI's dialect. The body goes up as the client wrote it, with only
 * `model` replaced and stream usage requested (so cost is always known); the answer comes back
 * with every field the upstream sent.
 */
export const openaiCompatible: ProtocolAdapter = {
  relaysAnswerText: true,

  buildRequest(body: ChatRequestBody, target: Target, stream: boolean) {
    const upstreamBody: Record<string, unknown> = { ...body, model: target.model };
    if (stream) upstreamBody.stream_options = { ...body.stream_options, include_usage: true };
    const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
    if (target.key) headers.authorization = `Bearer ${target.key}`;
    return {
      url: `${target.baseUrl}/chat/completions`,
      init: { method: "POST", headers, body: JSON.stringify(upstreamBody) },
    };
  },

  parseResponse(text: string, target: Target): ChatCompletion {
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badUpstream(target.provider.name, "body is not JSON");
    }
    if (parsed && typeof parsed === "object" && parsed.error) {
      // Some OpenAI-dialect hosts answer 200 with an error body.
      throw new UpstreamError(errorFromBody(parsed.error, 502, new Headers()));
    }
    if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.choices)) {
      throw badUpstream(target.provider.name, "no choices array");
    }
    return parsed;
  },

  async *streamChunks(body: StreamBody, target: Target): AsyncGenerator<StreamChunk> {
    for await (const event of sseEvents(body)) {
      const data = event.data;
      if (data === "[DONE]") return;
      let chunk: any;
      try {
        chunk = JSON.parse(data);
      } catch {
        throw badUpstream(target.provider.name, "stream event is not JSON");
      }
      if (chunk && typeof chunk === "object" && chunk.error) {
        throw new UpstreamError(errorFromBody(chunk.error, 502, new Headers()));
      }
      if (!chunk || typeof chunk !== "object" || !Array.isArray(chunk.choices)) {
        throw badUpstream(target.provider.name, "stream chunk has no choices array");
      }
      yield { chunk, raw: data };
    }
    // OpenAI-dialect streams always end with [DONE]; without it the answer was cut off.
    throw badUpstream(target.provider.name, "the stream ended without [DONE]");
  },

  mapError(status: number, text: string, headers: Headers, target: Target): MappedError {
    const name = target.provider.name;
    try {
      const parsed = JSON.parse(text);
      if (parsed?.error && typeof parsed.error === "object") return errorFromBody(parsed.error, status, headers);
      // Some hosts (and proxies in front of them) send `{"error": "text"}` or `{"message": ...}`.
      const message = typeof parsed?.error === "string" ? parsed.error : typeof parsed?.message === "string" ? parsed.message : null;
      if (message) {
        const mapped = genericError(name, status, "", headers);
        mapped.error.message = message;
        return mapped;
      }
    } catch {
      // Not JSON (an HTML page from a proxy, say): fall through to a generic message.
    }
    return genericError(name, status, text, headers);
  },
};

function errorFromBody(err: any, status: number, headers: Headers): MappedError {
  return {
    status,
    error: {
      message: typeof err.message === "string" ? err.message : JSON.stringify(err),
      type: typeof err.type === "string" ? err.type : errorTypeForStatus(status),
      param: typeof err.param === "string" ? err.param : null,
      code: err.code == null ? null : String(err.code),
    },
    headers: retryHeaders(headers),
  };
}
