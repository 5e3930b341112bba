import type { Server } from "bun";
import type { TokenEntry } from "../../auth/tokens.ts";
import type { LiveFeed } from "../../traces/live-feed.ts";
import { ownTracesOnly } from "./scope.ts";

/** A comment line this often: proxies and load balancers close a stream that stays silent. */
export const PING_MS = 15_000;
/** Events queued for a client that reads none of them; past this it is dropped rather than buffered for ever. */
const MAX_BACKLOG = 1000;

const encoder = new TextEncoder();

/**
 * GET /api/traces/live: server-sent events, one `data:` line per finished trace (the row
 * /api/traces returns), from the moment of connecting. A non-admin token sees only its own.
 */
export function liveTraces(req: Request, feed: LiveFeed, token: TokenEntry | null, server?: Server<undefined>, pingMs = PING_MS): Response {
  const own = ownTracesOnly(token);
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(ctl) {
      const send = (text: string) => {
        if ((ctl.desiredSize ?? 0) < -MAX_BACKLOG) return (stop(), ctl.close());
        ctl.enqueue(encoder.encode(text));
      };
      const unsubscribe = feed.subscribe((row, json) => {
        if (own === undefined || row.token_name === own) send(`data: ${json}\n\n`);
      });
      const ping = setInterval(() => send(": ping\n\n"), pingMs);
      stop = () => {
        unsubscribe();
        clearInterval(ping);
        req.signal.removeEventListener("abort", stop);
      };
      req.signal.addEventListener("abort", stop);
      // A first comment at once: the client sees the stream open before any trace finishes.
      send(": live\n\n");
    },
    cancel() {
      stop();
    },
  });
  // The stream is meant to stay open: lift the connection's idle limit (the slow-sender guard).
  try {
    server?.timeout(req, 0);
  } catch {
    // The connection is already gone; cancel() cleans up.
  }
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" },
  });
}
