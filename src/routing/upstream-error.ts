import { ERRORS } from "../errors/vocabulary.ts";
import { baseUrlMistake } from "../providers/base-url-check.ts";
import type { MappedError, Target } from "../providers/types.ts";

/**
 * An upstream's error, told so the reader knows where to look: which provider answered, at which
 * URL (its query string dropped: some APIs take keys there), and for the two confusing cases
 * more. A 401 from the provider is the engine's key being refused, not the caller's token: it gets
 * its own code and names where the key came from. A 404 next to a base URL that looks mistyped
 * says so. The upstream's own message, type and Retry-After headers are kept.
 */
export function explainUpstreamError(mapped: MappedError, target: Target, url: string): MappedError {
  const name = target.provider.name;
  const where = `${name} at ${withoutQuery(url)}`;
  if (mapped.status === 401) {
    const from = target.keySource ? ` from ${target.keySource}` : "";
    // The upstream's own code (InvalidSignatureException, invalid_api_key) stays in the message.
    const theirs = mapped.error.code ? ` [${mapped.error.code}]` : "";
    const code = "provider_key_rejected";
    return {
      ...mapped,
      error: { ...mapped.error, type: ERRORS[code].type, code, message: `${name} rejected the key${from}: ${mapped.error.message}${theirs} (${where})` },
    };
  }
  let message = `${mapped.error.message} (${where})`;
  if (mapped.status === 404) {
    const hint = baseUrlMistake(target.provider, target.baseUrl);
    if (hint) message += `. ${hint}`;
  }
  return { ...mapped, error: { ...mapped.error, message } };
}

function withoutQuery(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
