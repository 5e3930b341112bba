import { badUpstream } from "./errors.ts";

/**
 * An upstream's JSON text, parsed; a 502 saying which part (`what`: "body", "stream event") was
 * not JSON otherwise. The message never quotes the text, which may hold the client's data.
 */
export function parseUpstreamJson(text: string, provider: string, what: string): any {
  try {
    return JSON.parse(text);
  } catch {
    throw badUpstream(provider, `${what} is not JSON`);
  }
}

/** An error body's JSON, or undefined when it is not JSON (a proxy's HTML page), which mapError then quotes. */
export function errorJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
