// The gate every fake upstream holds its responses at, so a test can see what the gateway does
// while an answer is half sent, or never comes.

/**
 * Holds a response back until the test lets it go. A unit is the whole response for a non-stream
 * answer or an error; for a stream it is one event, and the first unit also carries the headers
 * (Bun.serve only sends a streamed response's headers along with its first body bytes).
 */
export interface StreamGate {
  /** let `units` more units out (default 1) */
  release(units?: number): void;
  /** stop holding anything back, now and later */
  releaseAll(): void;
  /** resolves when the fake is held at this gate (immediately if it already is) */
  waiting(): Promise<void>;
  /** units let out so far */
  readonly sent: number;
}

export function streamGate(opts: { initial?: number } = {}): StreamGate {
  return new Gate(opts.initial ?? 0);
}

/**
 * Waits at the gate for a permit. False when the client went away while held: whatever would be
 * sent then reaches nobody.
 */
export async function passGate(gate: StreamGate | undefined, signal: AbortSignal): Promise<boolean> {
  if (!gate) return true;
  // The permits live in the class; an object that merely looks like a gate would never hold.
  if (!(gate instanceof Gate)) throw new TypeError("gates come from streamGate()");
  return gate.pass(signal);
}

/**
 * A response body of `units`, one unit a pull. The first goes out at once, since the caller has
 * already let it through the gate together with the headers; each further one waits at the gate.
 */
export function gatedStream(units: Uint8Array[], gate: StreamGate | undefined, signal: AbortSignal, onCancel: () => void): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (units.length) controller.enqueue(units[next++]!);
    },
    async pull(controller) {
      if (next >= units.length) return controller.close();
      if (!(await passGate(gate, signal))) return;
      controller.enqueue(units[next++]!);
      if (next >= units.length) controller.close();
    },
    cancel: onCancel,
  });
}

class Gate implements StreamGate {
  sent = 0;
  private unlimited = false;
  private held: (() => void) | null = null;
  private watchers: (() => void)[] = [];

  constructor(private permits: number) {}

  release(units = 1) {
    this.permits += units;
    this.wake();
  }

  releaseAll() {
    this.unlimited = true;
    this.wake();
  }

  waiting(): Promise<void> {
    if (this.held) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push(resolve));
  }

  async pass(signal: AbortSignal): Promise<boolean> {
    if (!this.unlimited && this.permits === 0) {
      if (signal.aborted) return false;
      const passed = await new Promise<boolean>((resolve) => {
        const onAbort = () => {
          this.held = null;
          resolve(false);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        this.held = () => {
          signal.removeEventListener("abort", onAbort);
          resolve(true);
        };
        for (const watcher of this.watchers.splice(0)) watcher();
      });
      if (!passed) return false;
    }
    if (!this.unlimited) this.permits--;
    this.sent++;
    return true;
  }

  private wake() {
    if (!this.held || (!this.unlimited && this.permits === 0)) return;
    const held = this.held;
    this.held = null;
    held();
  }
}
