import type { ChatCompletionChunk, Usage } from "../../openai/schema.ts";
import { TextFrames } from "../../openai/text-frames.ts";
import { badUpstream } from "../errors.ts";
import { sseEvents } from "../sse.ts";
import type { StreamChunk, Target } from "../types.ts";
import type { StreamBody } from "../upstream-body.ts";
import { googleErrorInBody } from "./errors.ts";
import { openaiFinishReason, promptBlocked } from "./finish-reason.ts";
import { completionId, newToolCallId, reportedModel } from "./ids.ts";
import { ArgumentsWriter } from "./partial-args.ts";
import { carryThoughtSignature } from "./thought-signature.ts";
import { geminiUsage } from "./usage.ts";
import type { FunctionCall, GenerateContentResponse, Part } from "./wire.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * `streamGenerateContent?alt=sse` → OpenAI chunks. Each event is a whole GenerateContentResponse
 * holding the next parts of each candidate; text parts are deltas already. Usage is repeated on
 * every event (only the last is complete), so it is remembered and sent once, in a usage chunk
 * (`choices: []`) at the end. A stream that ends before every candidate has a finishReason was cut
 * off, and is reported as an error rather than passed off as a complete answer.
 */
export async function* streamGeminiChunks(body: StreamBody, target: Target): AsyncGenerator<StreamChunk> {
  const candidates = new Map<number, CandidateStream>();
  let usage: Usage | undefined;
  let id: string | null = null;
  let model = target.model;
  const created = Math.floor(Date.now() / 1000);
  const frames = new TextFrames();
  const chunk = (index: number, delta: Delta, finish: string | null = null): StreamChunk => ({
    chunk: { id: id!, object: "chat.completion.chunk", created, model, choices: [{ index, delta, finish_reason: finish }] },
  });

  for await (const event of sseEvents(body)) {
    if (!event.data.trim()) continue;
    let response: GenerateContentResponse;
    try {
      response = JSON.parse(event.data);
    } catch {
      throw badUpstream("gemini", "stream event is not JSON");
    }
    if (!response || typeof response !== "object") throw badUpstream("gemini", "stream event is not a JSON object");
    if (response.error) throw googleErrorInBody(response.error);
    id ??= completionId(response.responseId);
    model = reportedModel(response.modelVersion, target.model);
    usage = geminiUsage(response.usageMetadata) ?? usage;
    const list = Array.isArray(response.candidates) ? response.candidates : [];
    if (!list.length && response.promptFeedback?.blockReason) throw promptBlocked(response.promptFeedback);

    for (const [position, candidate] of list.entries()) {
      const index = typeof candidate.index === "number" ? candidate.index : position;
      let state = candidates.get(index);
      if (!state) candidates.set(index, (state = new CandidateStream()));
      for (const delta of state.deltas(candidate.content?.parts ?? [])) {
        const sc = chunk(index, delta);
        // Text alone (not the first delta, which also opens the message with its role).
        if (typeof delta.content === "string" && delta.role === undefined) sc.raw = frames.json(sc.chunk);
        yield sc;
      }
      if (candidate.finishReason && !state.finished) {
        const closing = state.closeCall();
        if (closing) yield chunk(index, closing);
        state.finished = true;
        yield chunk(index, state.emptyDelta(), openaiFinishReason(candidate.finishReason, state.toolCalls > 0, candidate.finishMessage));
      }
    }
  }

  if (!candidates.size) throw badUpstream("gemini", "the stream ended without an answer");
  if ([...candidates.values()].some((c) => !c.finished)) throw badUpstream("gemini", "the stream ended before the answer was finished");
  if (usage) yield { chunk: { id: id!, object: "chat.completion.chunk", created, model, choices: [], usage } };
}

/** One candidate's progress: whether the role went out, its tool calls, the call whose arguments are still streaming. */
class CandidateStream {
  finished = false;
  toolCalls = 0;
  private roleSent = false;
  private open: { index: number; writer: ArgumentsWriter } | null = null;

  *deltas(parts: Part[]): Generator<Delta> {
    for (const part of parts) {
      const delta = part.functionCall ? this.call(part.functionCall, part.thoughtSignature) : this.text(part);
      if (!delta) continue;
      if (!this.roleSent) {
        this.roleSent = true;
        yield { role: "assistant", ...delta };
      } else yield delta;
    }
  }

  /** The delta of a chunk that only finishes: it still opens the message if nothing did (a blocked answer). */
  emptyDelta(): Delta {
    if (this.roleSent) return {};
    this.roleSent = true;
    return { role: "assistant" };
  }

  /** Closes the arguments of a call still streaming, if any, after the last of them (`tail`). */
  closeCall(tail = ""): Delta | null {
    if (!this.open) return null;
    const { index, writer } = this.open;
    this.open = null;
    return { tool_calls: [{ index, function: { arguments: tail + writer.end() } }] };
  }

  private text(part: Part): Delta | null {
    if (typeof part.text !== "string") return null;
    // Empty text parts (they carry a thought signature at the end of Gemini 3 answers) say nothing,
    // except that the answer has begun.
    if (!part.text && this.roleSent) return null;
    return part.thought ? { reasoning_content: part.text } : { content: part.text };
  }

  private call(fc: FunctionCall, signature: string | undefined): Delta | null {
    const starts = typeof fc.name === "string" && fc.name !== "";
    if (!starts) {
      // The rest of a call whose arguments stream (partialArgs), or `{}` marking its end.
      if (!this.open) return null;
      const text = this.open.writer.add(fc.partialArgs);
      if (!fc.willContinue) return this.closeCall(text);
      return text ? { tool_calls: [{ index: this.open.index, function: { arguments: text } }] } : null;
    }
    const previous = this.closeCall();
    const index = this.toolCalls++;
    let args: string;
    if (fc.willContinue && !fc.args) {
      const writer = new ArgumentsWriter();
      this.open = { index, writer };
      args = writer.start() + writer.add(fc.partialArgs);
    } else {
      args = JSON.stringify(fc.args ?? {});
    }
    const call = { index, id: newToolCallId(), type: "function", function: { name: fc.name, arguments: args }, ...carryThoughtSignature(signature) };
    return { tool_calls: [...(previous?.tool_calls ?? []), call] };
  }
}
