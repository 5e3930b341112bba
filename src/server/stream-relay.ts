import type { ChatCompletionChunk } from "../openai/schema.ts";
import { StreamAccumulator } from "../openai/stream-accumulator.ts";
import { UpstreamError } from "../providers/errors.ts";
import type { StreamChunk } from "../providers/types.ts";
import type { Call } from "./call.ts";
import type { Config } from "../config/schema.ts";
import type { UpstreamBody } from "../providers/upstream-body.ts";

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

/** An attempt's stream: the chunk pre-read to know it succeeded, the rest, and the bytes beneath. */
export interface UpstreamStream {
  first: StreamChunk | null;
  rest: AsyncIterator<StreamChunk>;
  body: UpstreamBody;
}

/**
 * OpenAI chunks from any adapter → the SSE stream the client asked for. Chunks pass through as
 * the upstream's own bytes; only a chunk carrying the extras is rebuilt. Without include_usage,
 * the chunk holding a finish_reason is held back until the stream ends, so the last chunk the
 * client sees has non-empty `choices` and carries usage and the extras.
 *
 * Frames collect in one string and go to the client as a single write whenever the upstream body
 * is about to wait on the network (and at the end): one write per network read, not per event,
 * and never a frame held back while we wait. A pull returns once it has handed something over, so
 * a slow client holds the upstream back by at most one read.
 */
export function relayStream(upstream: UpstreamStream, opts: RelayOptions): ReadableStream<string> {
  const { call, config, clientWantsUsage, abort } = opts;
  const { rest, body } = upstream;
  const acc = new StreamAccumulator(opts.keepText);
  let first = upstream.first;
  let held: StreamChunk | null = null;
  let usageChunk: ChatCompletionChunk | null = null;
  let last: ChatCompletionChunk | null = null;
  let out = "";
  let handedOver = false;
  let handOver = () => {};
  let closed = false;

  const finishTrace = (status: number, error: { type: string; message: string } | null) => {
    call.finishReason = acc.finishReason;
    call.toolCalls = acc.toolCalls;
    call.response = acc.messages();
    call.finish(status, error);
  };

  const add = (sc: StreamChunk) => {
    const chunk = sc.chunk;
    last = chunk;
    acc.add(chunk);
    if (chunk.usage) call.setUsage(chunk.usage, config, chunk.model);
    if (chunk.choices.length === 0) {
      // The usage chunk we asked for; the client sees it only if it asked too, with the extras.
      if (chunk.usage) usageChunk = chunk;
      return;
    }
    call.markFirstByte();
    if (!clientWantsUsage && chunk.choices.some((c) => c.finish_reason)) {
      if (held) out += frameOf(held);
      held = sc;
      return;
    }
    if (held) {
      out += frameOf(held);
      held = null;
    }
    out += frameOf(sc);
  };

  const tail = () => {
    const extras = call.extras();
    if (clientWantsUsage) {
      if (held) out += frameOf(held);
      const base = usageChunk ?? { ...skeleton(last, call), choices: [], usage: null };
      out += frame(JSON.stringify({ ...base, ...extras }));
    } else {
      const base = held?.chunk ?? { ...skeleton(last, call), choices: [{ index: 0, delta: {}, finish_reason: null }] };
      out += frame(JSON.stringify({ ...base, usage: call.usage, ...extras }));
    }
    out += DONE;
  };

  const end = (controller: ReadableStreamDefaultController<string>) => {
    closed = true;
    body.onWait = null;
    if (out) controller.enqueue(out);
    out = "";
    controller.close();
  };

  return new ReadableStream<string>({
    start(controller) {
      handOver = () => {
        if (!out) return;
        controller.enqueue(out);
        out = "";
        handedOver = true;
      };
      body.onWait = handOver;
    },
    async pull(controller) {
      handedOver = false;
      try {
        if (first) {
          // The first frame goes out on its own: time to first byte is what a user waits on.
          add(first);
          first = null;
          handOver();
        }
        for (;;) {
          const next = await rest.next();
          if (next.done) {
            tail();
            finishTrace(200, null);
            end(controller);
            return;
          }
          add(next.value);
          if (handedOver) return;
        }
      } catch (e: any) {
        if (abort.signal.aborted) return; // cancel() already recorded the disconnect
        const mapped =
          e instanceof UpstreamError
            ? e.mapped
            : {
                status: 502,
                error: { message: `upstream stream failed: ${e?.message ?? e}`, type: "upstream_error", param: null, code: "stream_interrupted" },
                headers: {},
              };
        finishTrace(mapped.status, { type: mapped.error.type, message: mapped.error.message });
        // The SDKs raise an APIError for a data event with an `error` member: the client is told, not silently cut off.
        if (held) out += frameOf(held);
        out += frame(JSON.stringify({ error: mapped.error }));
        end(controller);
      }
    },
    async cancel() {
      if (closed) return;
      closed = true;
      body.onWait = null;
      abort.abort();
      finishTrace(499, { type: "client_disconnected", message: "the client closed the connection mid-stream" });
      await rest.return?.();
    },
  });
}

const frameOf = (sc: StreamChunk) => frame(sc.raw ?? JSON.stringify(sc.chunk));

function skeleton(last: ChatCompletionChunk | null, call: Call) {
  return {
    id: last?.id ?? `chatcmpl-${call.id}`,
    object: "chat.completion.chunk" as const,
    created: last?.created ?? Math.floor(call.startedAt / 1000),
    model: last?.model ?? call.model ?? call.requested,
  };
}
