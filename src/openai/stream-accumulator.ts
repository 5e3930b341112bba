import type { ChatCompletionChunk } from "./schema.ts";

interface ChoiceState {
  content: string;
  reasoning: string;
  toolCalls: Map<number, { id?: string; type: "function"; function: { name: string; arguments: string } }>;
}

/**
 * Rebuilds the answer from stream deltas, for the trace. With `keepText` false it only counts
 * (finish reason, tool calls), so memory stays constant however long the stream runs.
 */
export class StreamAccumulator {
  private choices = new Map<number, ChoiceState>();
  private toolIds = new Set<string>();
  finishReason: string | null = null;
  toolCalls = 0;

  constructor(private readonly keepText: boolean) {}

  add(chunk: ChatCompletionChunk): void {
    for (const choice of chunk.choices) {
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!delta) continue;
      if (delta.tool_calls) {
        for (const tc of delta.tool_calls) {
          // A call's first delta carries its id; counting ids counts calls, whatever the index scheme.
          if (tc.id && !this.toolIds.has(tc.id)) {
            this.toolIds.add(tc.id);
            this.toolCalls++;
          }
        }
      }
      if (!this.keepText) continue;
      let state = this.choices.get(choice.index);
      if (!state) this.choices.set(choice.index, (state = { content: "", reasoning: "", toolCalls: new Map() }));
      if (typeof delta.content === "string") state.content += delta.content;
      if (typeof delta.reasoning_content === "string") state.reasoning += delta.reasoning_content;
      for (const tc of delta.tool_calls ?? []) {
        let call = state.toolCalls.get(tc.index);
        if (!call) state.toolCalls.set(tc.index, (call = { type: "function", function: { name: "", arguments: "" } }));
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
      }
    }
  }

  /** The answer's messages, one per choice, in choice order; null when text is not kept. */
  messages(): unknown[] | null {
    if (!this.keepText) return null;
    return [...this.choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, s]) => ({
        role: "assistant",
        content: s.content || null,
        ...(s.reasoning ? { reasoning_content: s.reasoning } : {}),
        ...(s.toolCalls.size ? { tool_calls: [...s.toolCalls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c) } : {}),
      }));
  }
}
