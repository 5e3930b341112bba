import type { Config } from "../../config/schema.ts";
import { ApiError, toWire } from "../../errors/vocabulary.ts";
import type { ChatCompletionChunk, Usage } from "../../openai/schema.ts";
import { StreamAccumulator } from "../../openai/stream-accumulator.ts";
import { UpstreamError } from "../../providers/errors.ts";
import type { MappedError, StreamChunk } from "../../providers/types.ts";
import type { UpstreamStream } from "../../routing/attempt.ts";
import type { Call } from "../call.ts";
import type { Finish } from "./finish.ts";

// Bun writes string chunks of a response body as UTF-8 itself: no encoder pass per frame.
const frame = (json: string) => `data: ${json}\n\n`;
const DONE = "data: [DONE]\n\n";
const frameOf = (sc: StreamChunk) => frame(sc.raw ?? JSON.stringify(sc.chunk));

export interface RelayOptions {
  call: Call;
  config: Config;
  finish: Finish;
  /** The client asked for `stream_options.include_usage`. */
  clientWantsUsage: boolean;
  /** Keep the answer's text for the trace (content tracing on). */
  keepText: boolean;
  abort: AbortController;
  /** The frames of the API the client called; default OpenAI's. */
  encoder?: StreamEncoder;
}

/**
 * Where a relay is: `opening` until the pre-read first chunk has gone out on its own (time to
 * first byte is what a user waits on), `relaying` while chunks flow, then one of three ends:
 * `ended` (the upstream finished; tail and [DONE] sent), `failed` (an error event sent), or
 * `cancelled` (the client left; the upstream is cancelled). Each end records the trace once.
 */
export type RelayState = "opening" | "relaying" | "ended" | "failed" | "cancelled";

/**
 * How a relay writes its frames: the API the client called decides. `chunk` returns the frames
 * one chunk becomes (often none), `end` the tail that carries usage and the extras, `fail` the
 * error event. OpenAI's is below; other inbound dialects bring their own (dialects/).
 */
export interface StreamEncoder {
  chunk(sc: StreamChunk): string;
  end(usage: Usage | null, extras: Record<string, unknown>): string;
  fail(error: MappedError): string;
}

/**
 * OpenAI's SSE frames. Chunks pass through as the upstream's own bytes; only a chunk carrying the
 * extras is rebuilt. Without include_usage, the chunk holding a finish_reason is held back until
 * the stream ends, so the last chunk the client sees has non-empty `choices` and carries usage and
 * the extras.
 */
export class OpenAIFrames implements StreamEncoder {
  /** The chunk with a finish_reason, held back to carry the extras (when the client did not ask for usage). */
  private held: StreamChunk | null = null;
  /** The upstream's usage chunk (`choices: []`), re-sent with the extras if the client asked for usage. */
  private usageChunk: ChatCompletionChunk | null = null;
  private last: ChatCompletionChunk | null = null;

  constructor(
    private readonly call: Call,
    private readonly clientWantsUsage: boolean,
  ) {}

  chunk(sc: StreamChunk): string {
    const { chunk } = sc;
    this.last = chunk;
    if (chunk.choices.length === 0) {
      // The usage chunk we asked for; the client sees it only if it asked too, with the extras.
      if (chunk.usage) this.usageChunk = chunk;
      return "";
    }
    let out = "";
    if (!this.clientWantsUsage && chunk.choices.some((c) => c.finish_reason)) {
      if (this.held) out += frameOf(this.held);
      this.held = sc;
      return out;
    }
    if (this.held) {
      out += frameOf(this.held);
      this.held = null;
    }
    // Mistral, Together and Fireworks put `usage` on their finishing chunk instead of a chunk of
    // its own. OpenAI's contract is that only the last chunk carries it: it moves there (end()).
    return out + (chunk.usage ? frame(JSON.stringify({ ...chunk, usage: null })) : frameOf(sc));
  }

  end(usage: Usage | null, extras: Record<string, unknown>): string {
    let out = "";
    if (this.clientWantsUsage) {
      if (this.held) out += frameOf(this.held);
      const base = this.usageChunk ?? { ...this.skeleton(), choices: [], usage };
      out += frame(JSON.stringify({ ...base, ...extras }));
    } else {
      const base = this.held?.chunk ?? { ...this.skeleton(), choices: [{ index: 0, delta: {}, finish_reason: null }] };
      out += frame(JSON.stringify({ ...base, usage, ...extras }));
    }
    return out + DONE;
  }

  fail(mapped: MappedError): string {
    // The SDKs raise an APIError for a data event with an `error` member: the client is told, not silently cut off.
    const out = this.held ? frameOf(this.held) : "";
    return out + frame(JSON.stringify({ error: mapped.error }));
  }

  private skeleton() {
    const { call, last } = this;
    return {
      id: last?.id ?? `chatcmpl-${call.id}`,
      object: "chat.completion.chunk" as const,
      created: last?.created ?? Math.floor(call.startedAt / 1000),
      model: last?.model ?? call.model ?? call.requested,
    };
  }
}

/**
 * OpenAI chunks from any adapter → the SSE stream the client asked for, in the frames of its
 * encoder (OpenAI's unless the options bring another).
 *
 * The chunks of one network read become one write to the client (the answer's first chunk goes
 * on its own, see translateStream): one write per read, not per event, and never a frame held
 * back while we wait on the upstream. A pull returns once it has handed something over, so a
 * slow client holds the upstream back by at most one read.
 */
export class StreamRelay {
  state: RelayState = "opening";
  private readonly acc: StreamAccumulator;
  private readonly encoder: StreamEncoder;
  private out = "";
  private controller: ReadableStreamDefaultController<string> | null = null;

  constructor(
    private readonly upstream: UpstreamStream,
    private readonly opts: RelayOptions,
  ) {
    this.acc = new StreamAccumulator(opts.keepText);
    this.encoder = opts.encoder ?? new OpenAIFrames(opts.call, opts.clientWantsUsage);
  }

  /** The response body: a pull-driven stream, so the upstream is read only as fast as the client takes it. */
  readable(): ReadableStream<string> {
    return new ReadableStream<string>({
      start: (controller) => {
        this.controller = controller;
      },
      pull: () => this.pull(),
      cancel: () => this.cancel(),
    });
  }

  private async pull(): Promise<void> {
    try {
      for (;;) {
        let batch: StreamChunk[];
        if (this.state === "opening" && this.upstream.first) batch = this.upstream.first;
        else {
          const next = await this.upstream.rest.next();
          if (next.done) return this.end();
          batch = next.value;
        }
        this.state = "relaying";
        for (let i = 0; i < batch.length; i++) this.add(batch[i]!);
        // A read can become no frames at all (a usage chunk kept for the end, say): then read on.
        if (this.out) {
          this.controller!.enqueue(this.out);
          this.out = "";
          return;
        }
      }
    } catch (e) {
      this.fail(e);
    }
  }

  private add(sc: StreamChunk): void {
    const { chunk } = sc;
    const { call, config } = this.opts;
    this.acc.add(chunk);
    call.responseId ??= chunk.id ?? null;
    if (chunk.usage) call.setUsage(chunk.usage, config, chunk.model);
    if (chunk.choices.length > 0) call.markFirstByte();
    this.out += this.encoder.chunk(sc);
  }

  private end(): void {
    const { call } = this.opts;
    this.out += this.encoder.end(call.usage, call.extras());
    this.close("ended", 200, null);
  }

  private fail(e: unknown): void {
    // cancel() has already recorded the disconnect.
    if (this.opts.abort.signal.aborted) return;
    const mapped: MappedError =
      e instanceof UpstreamError
        ? e.mapped
        : toWire(e instanceof ApiError ? e : new ApiError("stream_interrupted", `upstream stream failed: ${(e as Error)?.message ?? e}`));
    this.out += this.encoder.fail(mapped);
    this.close("failed", mapped.status, { type: mapped.error.type, message: mapped.error.message });
  }

  private async cancel(): Promise<void> {
    if (this.state === "ended" || this.state === "failed" || this.state === "cancelled") return;
    this.state = "cancelled";
    this.opts.abort.abort();
    const gone = new ApiError("client_disconnected", "the client closed the connection mid-stream");
    this.record(gone.status, { type: gone.type, message: gone.message });
    await this.upstream.rest.return?.();
  }

  private close(state: "ended" | "failed", status: number, error: { type: string; message: string } | null): void {
    this.state = state;
    this.record(status, error);
    if (this.out) this.controller!.enqueue(this.out);
    this.out = "";
    this.controller!.close();
  }

  private record(status: number, error: { type: string; message: string } | null): void {
    const { call } = this.opts;
    call.finishReason = this.acc.finishReason;
    call.toolCalls = this.acc.toolCalls;
    call.response = this.acc.messages();
    this.opts.finish(status, error);
  }
}

export const relayStream = (upstream: UpstreamStream, opts: RelayOptions): ReadableStream<string> => new StreamRelay(upstream, opts).readable();
