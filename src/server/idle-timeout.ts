import { UpstreamError } from "../providers/errors.ts";

/**
 * The upstream body, failing with a 504 when no bytes arrive for `ms`. A stream may run for an
 * hour; what we refuse is an upstream that stops talking without closing the connection. The clock
 * runs only while waiting on the upstream, never while a slow client has not asked for more.
 */
export function withIdleTimeout(body: ReadableStream<Uint8Array>, ms: number, provider: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  // Erroring the controller fails the consumer's pending read at once, with no promise race per
  // chunk; the cancel that follows settles our own read as "done", which is then ignored.
  const fire = () => {
    timedOut = true;
    controller.error(
      new UpstreamError({
        status: 504,
        error: { message: `${provider} sent nothing for ${ms} ms; the answer was cut off`, type: "upstream_error", param: null, code: "idle_timeout" },
        headers: {},
      }),
    );
    reader.cancel().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    async pull(c) {
      timer = setTimeout(fire, ms);
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } finally {
        clearTimeout(timer);
      }
      if (timedOut) return;
      if (next.done) c.close();
      else c.enqueue(next.value);
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}
