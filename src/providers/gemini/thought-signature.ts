/**
 * Gemini's thought signatures ride on the OpenAI tool call as `extra_content.google.thought_signature`,
 * the field Google's own OpenAI-compatible endpoint uses, so clients written for that endpoint
 * already echo it. It sits on the tool call (not the message) because the `openai` SDK's stream
 * accumulator keeps unknown tool-call fields but not message-level ones (docs/ARCHITECTURE.md, "Translation rules"). The id is
 * left alone: signatures run to kilobytes, and other APIs cap tool-call ids at 40 characters.
 */
export function thoughtSignatureOf(toolCall: unknown): string | undefined {
  const sig = (toolCall as any)?.extra_content?.google?.thought_signature;
  return typeof sig === "string" && sig ? sig : undefined;
}

export function carryThoughtSignature(signature: string | undefined): { extra_content?: { google: { thought_signature: string } } } {
  return signature ? { extra_content: { google: { thought_signature: signature } } } : {};
}
