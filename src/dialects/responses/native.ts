import type { EventSourceMessage } from "eventsource-parser";
import { ApiError } from "../../errors/vocabulary.ts";
import type { ChatCompletionChunk, Usage } from "../../openai/schema.ts";
import { azureRoute } from "../../providers/azure/url.ts";
import { badUpstream, UpstreamError } from "../../providers/errors.ts";
import { SseDecoder } from "../../providers/sse.ts";
import { type StreamTranslator, translateStream } from "../../providers/stream-translator.ts";
import type { MappedError, ProtocolAdapter, StreamChunk, Target, UpstreamRequest } from "../../providers/types.ts";
import { parseUpstreamJson } from "../../providers/upstream-json.ts";
import type { ProviderDef } from "../../providers/registry.ts";
import { chatUsage, fromResponse } from "./response.ts";

type Json = Record<string, unknown>;

/**
 * Same dialect in and out: a Responses request whose target serves the Responses API itself
 * (OpenAI, and Azure OpenAI) goes up as the client wrote it, with only `model` set to the
 * target's id (for Azure, the deployment). Nothing is lost: built-in tools, `previous_response_id`,
 * `store`, `include`, encrypted reasoning. The answer goes back as the upstream's own bytes, with
 * the extras added; the engine reads it (fromResponse, NativeFrames) for usage, price and trace.
 * Other OpenAI-dialect providers (Groq, Mistral…) mostly lack `/responses` and are translated.
 */
export const speaksResponses = (provider: Pick<ProviderDef, "name" | "protocol">): boolean => provider.name === "openai" || provider.protocol === "azure";

/**
 * Where a Responses call goes. OpenAI: `{base_url}/responses`, Bearer key. Azure: the v1 API's
 * `/openai/v1/responses` unless a dated api-version is pinned, then `/openai/responses?api-version=…`
 * (Azure serves the Responses API from 2025-03-01-preview on), `api-key` header.
 */
export function responsesUrl(target: Target): string {
  if (target.provider.protocol !== "azure") return `${target.baseUrl}/responses`;
  const pinned = target.apiVersion?.trim();
  const route = azureRoute(target.baseUrl, target.model, pinned && /^\d{4}-/.test(pinned) ? pinned : "v1", "chat/completions");
  if (route.v1) return route.url.replace("/chat/completions", "/responses");
  return `${target.baseUrl.replace(/\/openai$/, "")}/openai/responses?api-version=${encodeURIComponent(pinned!)}`;
}

/** The target's own adapter (its errors and credentials), calling its Responses endpoint with the client's body. */
export function nativeAdapter(base: ProtocolAdapter, clientBody: Json): ProtocolAdapter {
  return {
    ...base,
    relaysAnswerText: true,
    buildRequest: (_body, target, stream): UpstreamRequest => {
      const headers: Record<string, string> = { "content-type": "application/json", ...target.headers };
      if (target.key) {
        if (target.provider.protocol === "azure") headers["api-key"] = target.key;
        else headers.authorization = `Bearer ${target.key}`;
      }
      const body: Json = { ...clientBody, model: target.model };
      if (stream) body.stream = true;
      else delete body.stream;
      return { url: responsesUrl(target), init: { method: "POST", headers, body: JSON.stringify(body) } };
    },
    parseResponse: (text, target) => {
      const parsed = parseUpstreamJson(text, target.provider.name, "body");
      if (!parsed || typeof parsed !== "object" || parsed.object !== "response") throw badUpstream(target.provider.name, "not a Response object");
      return fromResponse(parsed);
    },
    streamChunks: (body, target) => translateStream(body, new SseDecoder(), new NativeFrames(target.provider.name)),
  };
}

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

const chunkOf = (
  model: string,
  delta: ChatCompletionChunk["choices"][number]["delta"] | null,
  finish: string | null = null,
  usage: Usage | null = null,
): ChatCompletionChunk => ({
  id: "",
  object: "chat.completion.chunk",
  created: 0,
  model,
  choices: delta ? [{ index: 0, delta, finish_reason: finish }] : [],
  ...(usage ? { usage } : {}),
});

/**
 * A Responses stream read for the engine: each upstream event's own frame rides on a chunk
 * (`StreamChunk.nativeFrame`) that carries what the relay records: text deltas as content,
 * function calls as tool-call deltas, and at the end the finish reason and usage. The client gets
 * the frames.
 */
export class NativeFrames implements StreamTranslator<EventSourceMessage> {
  done = false;
  private model = "";
  /** output_index → tool-call index, for function calls. */
  private readonly calls = new Map<number, number>();

  constructor(private readonly provider: string) {}

  translate(sse: EventSourceMessage, out: StreamChunk[]): void {
    const data = parseUpstreamJson(sse.data, this.provider, "stream event") as Json;
    const type = String(sse.event ?? data?.type ?? "message");
    const nativeFrame = `event: ${type}\ndata: ${sse.data}\n\n`;
    if (type === "error") {
      throw new UpstreamError({
        status: 502,
        error: {
          message: String(data.message ?? "upstream stream error"),
          type: "upstream_error",
          param: (data.param as string) ?? null,
          code: (data.code as string) ?? null,
        },
        headers: {},
      });
    }
    let chunk = chunkOf(this.model, null);
    const response = data.response as Json | undefined;
    if (response && typeof response.model === "string") this.model = response.model;
    if (type === "response.output_text.delta") chunk = chunkOf(this.model, { content: String(data.delta ?? "") });
    else if (type === "response.output_item.added" && (data.item as Json)?.type === "function_call") {
      const item = data.item as Json;
      const index = this.calls.size;
      this.calls.set(Number(data.output_index), index);
      chunk = chunkOf(this.model, {
        tool_calls: [{ index, id: String(item.call_id), type: "function", function: { name: String(item.name), arguments: "" } }],
      });
    } else if (type === "response.function_call_arguments.delta") {
      const index = this.calls.get(Number(data.output_index));
      if (index !== undefined) chunk = chunkOf(this.model, { tool_calls: [{ index, function: { arguments: String(data.delta ?? "") } }] });
    } else if (type === "response.failed" && response) {
      // The client gets OpenAI's own frame; the trace records the failure it reports.
      this.done = true;
      out.push({ chunk: chunkOf(this.model, null, null, chatUsage(response.usage)), nativeFrame });
      const error = (response.error ?? {}) as Json;
      throw new UpstreamError({
        status: 502,
        error: { message: String(error.message ?? "the response failed"), type: "upstream_error", param: null, code: (error.code as string) ?? null },
        headers: {},
      });
    } else if (TERMINAL.has(type) && response) {
      this.done = true;
      chunk = chunkOf(this.model, {}, fromResponse(response).choices[0]!.finish_reason, chatUsage(response.usage));
    }
    out.push({ chunk, nativeFrame });
  }

  finish(): void {
    if (!this.done) throw new ApiError("stream_interrupted", `${this.provider} ended the stream before response.completed`);
  }
}

/**
 * The relay's encoder for a passed-through stream: every upstream frame as it came, except the
 * terminal one (`response.completed`, `.incomplete`), which gets the extras (`_cost`,
 * `_latency_ms`, `_routing`) on its `response` once the stream has ended. A `response.failed`
 * goes out as sent and ends the stream (the trace records its error; no second error event).
 */
export class NativeResponsesEncoder {
  private terminal: string | null = null;
  private frames = 0;
  /** The upstream's `response.failed` went out as sent: it is the client's error event. */
  private failedSent = false;

  chunk(sc: StreamChunk): string {
    const frame = sc.nativeFrame;
    if (!frame) return "";
    this.frames++;
    if (frame.startsWith("event: response.failed\n")) {
      this.failedSent = true;
      return frame;
    }
    if (TERMINAL.has(frame.slice(7, frame.indexOf("\n")))) {
      this.terminal = frame;
      return "";
    }
    return frame;
  }

  end(_usage: Usage | null, extras: Record<string, unknown>): string {
    if (!this.terminal) return "";
    const name = this.terminal.slice(7, this.terminal.indexOf("\n"));
    const data = JSON.parse(this.terminal.slice(this.terminal.indexOf("data: ") + 6)) as Json;
    data.response = { ...(data.response as Json), ...extras };
    return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  fail(mapped: MappedError): string {
    if (this.failedSent) return "";
    const { error } = mapped;
    const data = { type: "error", code: error.code ?? error.type, message: error.message, param: error.param, sequence_number: this.frames };
    return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
  }
}
