import { type UpstreamError, upstreamFailure } from "./errors.ts";

export interface IdleLimit {
  ms: number;
  provider: string;
}

/** The part of a stream reader used here; typed structurally because Bun's and Node's reader types differ. */
interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * An upstream answer's bytes, as the stream parsers read them, with the idle limit: a 504 when no
 * bytes arrive for `ms` while we wait on the upstream. A stream may run for an hour; what we
 * refuse is an upstream that stops talking without closing the connection. One timer per stream,
 * re-armed on each read, never one per chunk; it counts only while a read is pending, not while a
 * slow client has not asked for more.
 */
export class UpstreamBody {
  private readonly reader: ByteReader;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private waiting = false;
  private timedOut = false;
  private ended = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly idle: IdleLimit | null = null,
  ) {
    this.reader = body.getReader();
  }

  /** The next bytes, or null at the end. Throws the idle 504 as an UpstreamError. */
  async read(): Promise<Uint8Array | null> {
    if (this.idle) {
      if (this.timer) this.timer.refresh();
      else this.timer = setTimeout(this.fire, this.idle.ms);
    }
    this.waiting = true;
    let next: Awaited<ReturnType<ByteReader["read"]>>;
    try {
      next = await this.reader.read();
    } finally {
      this.waiting = false;
    }
    if (this.timedOut) throw this.idleError();
    if (next.done || !next.value) {
      this.ended = true;
      this.stopTimer();
      return null;
    }
    return next.value;
  }

  /** Stops reading early (client gone, error seen): the upstream connection must not stay open. */
  async cancel(): Promise<void> {
    this.stopTimer();
    if (!this.ended) await this.reader.cancel().catch(() => {});
    this.ended = true;
  }

  // A timer that fires while no read is pending (the client is slow) does nothing: the next read re-arms it.
  private readonly fire = () => {
    if (!this.waiting) return;
    this.timedOut = true;
    // Settles the pending read as "done"; read() then throws the timeout.
    this.reader.cancel().catch(() => {});
  };

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private idleError(): UpstreamError {
    const { ms, provider } = this.idle!;
    return upstreamFailure("idle_timeout", `${provider} sent nothing for ${ms} ms; the answer was cut off`);
  }
}

/** What the stream parsers accept: a plain stream (tests, recorded fixtures) or the engine's upstream body. */
export type StreamBody = ReadableStream<Uint8Array> | UpstreamBody;

export const upstreamBody = (body: StreamBody): UpstreamBody => (body instanceof UpstreamBody ? body : new UpstreamBody(body));
