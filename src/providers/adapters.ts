import { openaiCompatible } from "./openai-compatible.ts";
import type { Protocol } from "./registry.ts";
import type { ProtocolAdapter } from "./types.ts";

/** Protocol name → adapter. A protocol missing here is known to the registry but not yet spoken. */
export const ADAPTERS: Partial<Record<Protocol, ProtocolAdapter>> = {
  openai: openaiCompatible,
};
