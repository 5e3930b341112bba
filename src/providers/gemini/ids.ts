/** OpenAI-style ids: Gemini's function calls carry none we can rely on, so each gets a fresh `call_…`. */
export function newToolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

export function completionId(responseId: unknown): string {
  return `chatcmpl-${typeof responseId === "string" && responseId ? responseId : crypto.randomUUID().replaceAll("-", "")}`;
}

const MODELS_PREFIX = /^models\//;

/** `modelVersion` as Gemini reports it, without the `models/` some versions prefix. */
export function reportedModel(modelVersion: unknown, requested: string): string {
  return typeof modelVersion === "string" && modelVersion ? modelVersion.replace(MODELS_PREFIX, "") : requested;
}
