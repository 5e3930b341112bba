import type { TokenEntry } from "../../auth/tokens.ts";

/**
 * Whose traces a caller may read: an admin token, or anyone on an engine without tokens, reads
 * all of them (undefined: no restriction); any other token only those it made itself.
 */
export function ownTracesOnly(token: TokenEntry | null): string | undefined {
  return token === null || token.admin ? undefined : token.name;
}
