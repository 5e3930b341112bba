import { anthropicAdapter } from "./anthropic/index.ts";
import { azureAdapter } from "./azure/index.ts";
import { bedrockAdapter } from "./bedrock/index.ts";
import { cohereAdapter } from "./cohere/index.ts";
import { geminiAdapter } from "./gemini/index.ts";
import { openaiAdapter } from "./openai/index.ts";
import type { Protocol } from "./registry.ts";
import type { ProtocolAdapter } from "./types.ts";

/** Protocol name → adapter: every protocol the registry names. */
export const ADAPTERS: Record<Protocol, ProtocolAdapter> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  cohere: cohereAdapter,
  azure: azureAdapter,
  bedrock: bedrockAdapter,
};
