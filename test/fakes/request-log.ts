// What a fake upstream received, kept so a test can check what the gateway sent, and which
// requests the gateway gave up on.

export interface ReceivedRequest {
  method: string;
  /** pathname plus query */
  path: string;
  /** header names lowercased */
  headers: Record<string, string>;
  bodyText: string;
  /** the parsed JSON body; undefined when the body was not JSON */
  body: unknown;
  /** set once the client went away before the fake finished answering */
  aborted: boolean;
}

/** Reads the request's body; a fake records the result before it judges the request, so refused ones are logged too. */
export async function readRequest(request: Request, url: URL): Promise<ReceivedRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  const bodyText = await request.text();
  return { method: request.method, path: url.pathname + url.search, headers, bodyText, body: parseJson(bodyText), aborted: false };
}

export class RequestLog<R extends ReceivedRequest = ReceivedRequest> {
  /** every request received, valid or not, in arrival order */
  readonly requests: R[] = [];
  private readonly unclaimed: R[] = [];
  private readonly claimants: ((request: R) => void)[] = [];

  /** With a signal, a client that hangs up before the answer is complete counts as an abort. */
  record(received: R, signal?: AbortSignal): R {
    this.requests.push(received);
    signal?.addEventListener("abort", () => this.markAborted(received), { once: true });
    return received;
  }

  // Both a hang-up and a cancelled body stream report the same request; it is handed out once.
  markAborted(received: R) {
    if (received.aborted) return;
    received.aborted = true;
    const claimant = this.claimants.shift();
    if (claimant) claimant(received);
    else this.unclaimed.push(received);
  }

  /** the next request the client abandoned mid-response (each abort is handed out once) */
  aborted(): Promise<R> {
    const done = this.unclaimed.shift();
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => this.claimants.push(resolve));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
