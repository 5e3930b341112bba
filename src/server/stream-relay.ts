import type { ChatCompletionChunk } from "../openai/schema.ts";
import { StreamAccumulator } from "../openai/stream-accumulator.ts";
import { UpstreamError } from "../providers/errors.ts";
import type { StreamChunk } from "../providers/types.ts";
import type { Call } from "./call.ts";
import type { Config } from "../config/schema.ts";

// Bun writes string chunks of a response body as UTF-8 itself: no encoder pass per frame.
const frame = (json: string) => `data: ${json}\n\n`;
const DONE = "data: [DONE]\n\n";

export interface RelayOptions {
  call: Call;
  config: Config;
  /** The client asked for `stream_options.include_usage`. */
  clientWantsUsage: boolean;
  keepText: boolean;
  abort: AbortController;
}

/**
 * OpenAI chunks from any adapter → the SSE stream the client asked for, chunk by chunk.
 * Chunks pass through as the upstream's own bytes; only a chunk carrying the extras is rebuilt.
 * Without include_usage, the chunk holding a finish_reason is held back until the stream ends,
 * so the last chunk the client sees has non-empty `choices` and carries usage and the extras.
 */
export function relayStream(chunks: AsyncIterable<StreamChunk>, opts: RelayOptions): ReadableStream<string> {
  const { call, config, clientWantsUsage, abort } = opts;
  const acc = new StreamAccumulator(opts.keepText);
  const it = chunks[Symbol.asyncIterator]();
  let held: StreamChunk | null = null;
  let usageChunk: ChatCompletionChunk | null = null;
  let last: ChatCompletionChunk | null = null;
  let closed = false;

  const finishTrace = (status: number, error: { type: string; message: string } | null) => {
    call.finishReason = acc.finishReason;
    call.toolCalls = acc.toolCalls;
    call.response = acc.messages();
    call.finish(status, error);
  };

  const tail = (): string[] => {
    const out: string[] = [];
    const extras = call.extras();
    if (clientWantsUsage) {
      if (held) out.push(frame(held.raw ?? JSON.stringify(held.chunk)));
      const base = usageChunk ?? { ...skeleton(last, call), choices: [], usage: null };
      out.push(frame(JSON.stringify({ ...base, ...extras })));
    } else {
      const base = held?.chunk ?? { ...skeleton(last, call), choices: [{ index: 0, delta: {}, finish_reason: null }] };
      out.push(frame(JSON.stringify({ ...base, usage: call.usage, ...extras })));
    }
    out.push(DONE);
    return out;
  };

  return new ReadableStream<string>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await it.next();
          if (next.done) {
            const out = tail();
            finishTrace(200, null);
            for (const b of out) controller.enqueue(b);
            closed = true;
            controller.close();
            return;
          }
          const sc = next.value;
          const chunk = sc.chunk;
          last = chunk;
          acc.add(chunk);
          if (chunk.usage) call.setUsage(chunk.usage, config, chunk.model);
          if (chunk.choices.length === 0) {
            // The usage chunk we asked for; the client sees it only if it asked too, with the extras.
            if (chunk.usage) usageChunk = chunk;
            continue;
          }
          call.markFirstByte();
          if (!clientWantsUsage && chunk.choices.some((c) => c.finish_reason)) {
            const prev = held;
            held = sc;
            if (prev) {
              controller.enqueue(frame(prev.raw ?? JSON.stringify(prev.chunk)));
              return;
            }
            continue;
          }
          if (held) {
            controller.enqueue(frame(held.raw ?? JSON.stringify(held.chunk)));
            held = null;
          }
          controller.enqueue(frame(sc.raw ?? JSON.stringify(chunk)));
          return;
        }
      } catch (e: any) {
        if (abort.signal.aborted) return; // cancel() already recorded the disconnect
        const mapped =
          e instanceof UpstreamError
            ? e.mapped
            : { status: 502, error: { message: `upstream stream failed: ${e?.message ?? e}`, type: "upstream_error", param: null, code: "stream_interrupted" }, headers: {} };
        finishTrace(mapped.status, { type: mapped.error.type, message: mapped.error.message });
        // The SDKs raise an APIError for a data event with an `error` member: the client is told, not silently cut off.
        if (held) controller.enqueue(frame(held.raw ?? JSON.stringify(held.chunk)));
        controller.enqueue(frame(JSON.stringify({ error: mapped.error })));
        closed = true;
        controller.close();
      }
    },
    async cancel() {
      if (closed) return;
      abort.abort();
      finishTrace(499, { type: "client_disconnected", message: "the client closed the connection mid-stream" });
      await it.return?.();
    },
  });
}

function skeleton(last: ChatCompletionChunk | null, call: Call) {
  return {
    id: last?.id ?? `chatcmpl-${call.id}`,
    object: "chat.completion.chunk" as const,
    created: last?.created ?? Math.floor(call.startedAt / 1000),
    model: last?.model ?? call.model ?? call.requested,
  };
}
