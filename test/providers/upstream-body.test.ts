import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../src/providers/errors.ts";
import { UpstreamBody } from "../../src/providers/upstream-body.ts";

const enc = new TextEncoder();

/** A body the test feeds by hand; `cancelled` settles when the reader lets the upstream go. */
function manualBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onCancel!: () => void;
  const cancelled = new Promise<void>((r) => (onCancel = r));
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      onCancel();
    },
  });
  return { stream, send: (s: string) => controller.enqueue(enc.encode(s)), end: () => controller.close(), cancelled };
}

describe("UpstreamBody", () => {
  test("reads the bytes in order, then null", async () => {
    const b = manualBody();
    const body = new UpstreamBody(b.stream);
    b.send("a");
    b.send("b");
    b.end();
    const got: string[] = [];
    for (let bytes = await body.read(); bytes; bytes = await body.read()) got.push(new TextDecoder().decode(bytes));
    expect(got).toEqual(["a", "b"]);
  });

  test("an upstream silent for the idle limit while we wait: a 504 naming the provider", async () => {
    const b = manualBody();
    const body = new UpstreamBody(b.stream, { ms: 40, provider: "acme" });
    const err = await body.read().catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.mapped.status).toBe(504);
    expect(err.mapped.error.code).toBe("idle_timeout");
    expect(err.mapped.error.message).toContain("acme sent nothing for 40 ms");
    await b.cancelled; // and the connection is let go
  });

  test("time the client takes between reads does not count against the upstream", async () => {
    const b = manualBody();
    const body = new UpstreamBody(b.stream, { ms: 40, provider: "acme" });
    b.send("first");
    expect(await body.read()).toBeTruthy();
    // A slow client: no read pending for three idle limits, while the upstream has sent its next bytes.
    b.send("second");
    await Bun.sleep(120);
    expect(new TextDecoder().decode((await body.read())!)).toBe("second");
    // The limit still applies to the next wait.
    expect((await body.read().catch((e) => e)).mapped.error.code).toBe("idle_timeout");
  });

  test("cancel lets the upstream go and stops the clock", async () => {
    const b = manualBody();
    const body = new UpstreamBody(b.stream, { ms: 40, provider: "acme" });
    b.send("x");
    await body.read();
    expect((body as any).timer).not.toBeNull();
    await body.cancel();
    await b.cancelled;
    // No idle timer survives the cancel: it would keep the process alive and fire on a dead stream.
    expect((body as any).timer).toBeNull();
    expect(await body.read().catch((e) => e)).not.toHaveProperty("mapped");
  });
});
