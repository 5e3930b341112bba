import { UpstreamError } from "../providers/errors.ts";

/**
 * The upstream body, failing with a 504 when no bytes arrive for `ms`. A stream may run for an
 * hour; what we refuse is an upstream that stops talking without closing the connection.
 */
export function withIdleTimeout(body: ReadableStream<Uint8Array>, ms: number, provider: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // Reject before cancelling: a cancel settles the pending read as "done", which would
          // pass a cut-off answer as a complete one.
          queueMicrotask(() => reader.cancel().catch(() => {}));
          reject(
            new UpstreamError({
              status: 504,
              error: { message: `${provider} sent nothing for ${ms} ms; the answer was cut off`, type: "upstream_error", param: null, code: "idle_timeout" },
              headers: {},
            }),
          );
        }, ms);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), idle]);
        if (done) controller.close();
        else controller.enqueue(value);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
