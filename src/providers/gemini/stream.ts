import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk, Usage } from "../../openai/schema.ts";
import { TextFrames } from "../../openai/text-frames.ts";
import { badUpstream } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import type { StreamChunk, Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { googleErrorInBody } from "./errors.ts";
import { promptBlocked, toFinishReason } from "./finish-reason.ts";
import { completionId, newToolCallId, reportedModel } from "./ids.ts";
import { ArgumentsWriter } from "./partial-args.ts";
import { carryThoughtSignature } from "./thought-signature.ts";
import { toOpenAIUsage } from "./usage.ts";
import type { FunctionCall, GenerateContentResponse, Part } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * `streamGenerateContent?alt=sse` → OpenAI chunks. Each event is a whole GenerateContentResponse
 * holding the next parts of each candidate; text parts are deltas already. Usage is repeated on
 * every event (only the last is complete), so it is remembered and sent once, in a usage chunk
 * (`choices: []`) at the end. A stream that ends before every candidate has a finishReason was cut
 * off, and is reported as an error rather than passed off as a complete answer.
 */
export class Translator implements StreamTranslator<EventSourceMessage> {
  readonly done = false;
  private readonly candidates = new Map<number, CandidateStream>();
  private usage: Usage | undefined;
  private id: string | null = null;
  private model: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly frames = new TextFrames();
  /** One event's deltas for one candidate, reused across events. */
  private readonly deltas: Delta[] = [];

  private readonly requested: string;

  constructor(target: Target) {
    this.model = target.model;
    this.requested = target.model;
  }

  translate(event: EventSourceMessage, out: StreamChunk[]): void {
    if (!event.data.trim()) return;
    const response: GenerateContentResponse = parseUpstreamJson(event.data, PROVIDER, "stream event");
    if (!response || typeof response !== "object") throw badUpstream(PROVIDER, "stream event is not a JSON object");
    if (response.error) throw googleErrorInBody(response.error);
    this.id ??= completionId(response.responseId);
    this.model = reportedModel(response.modelVersion, this.requested);
    this.usage = toOpenAIUsage(response.usageMetadata) ?? this.usage;
    const list = Array.isArray(response.candidates) ? response.candidates : [];
    if (!list.length && response.promptFeedback?.blockReason) throw promptBlocked(response.promptFeedback);

    for (const [position, candidate] of list.entries()) {
      const index = typeof candidate.index === "number" ? candidate.index : position;
      let state = this.candidates.get(index);
      if (!state) this.candidates.set(index, (state = new CandidateStream()));
      const deltas = this.deltas;
      deltas.length = 0;
      state.deltas(candidate.content?.parts ?? [], deltas);
      for (const delta of deltas) {
        const sc = this.chunk(index, delta);
        if (typeof delta.content === "string" && delta.role === undefined) sc.raw = this.frames.json(sc.chunk);
        out.push(sc);
      }
      if (candidate.finishReason && !state.finished) {
        const closing = state.closeCall();
        if (closing) out.push(this.chunk(index, closing));
        state.finished = true;
        out.push(this.chunk(index, state.emptyDelta(), toFinishReason(candidate.finishReason, state.toolCalls > 0, candidate.finishMessage)));
      }
    }
  }

  finish(out: StreamChunk[]): void {
    if (!this.candidates.size) throw badUpstream(PROVIDER, "the stream ended without an answer");
    for (const c of this.candidates.values()) if (!c.finished) throw badUpstream(PROVIDER, "the stream ended before the answer was finished");
    if (this.usage)
      out.push({ chunk: { id: this.id!, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage: this.usage } });
  }

  private chunk(index: number, delta: Delta, finish: string | null = null): StreamChunk {
    return {
      chunk: { id: this.id!, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [{ index, delta, finish_reason: finish }] },
    };
  }
}

/** One candidate's progress: whether the role went out, its tool calls, the call whose arguments are still streaming. */
class CandidateStream {
  finished = false;
  toolCalls = 0;
  private roleSent = false;
  private open: { index: number; writer: ArgumentsWriter } | null = null;

  deltas(parts: Part[], out: Delta[]): void {
    for (const part of parts) {
      const delta = part.functionCall ? this.call(part.functionCall, part.thoughtSignature) : this.text(part);
      if (!delta) continue;
      if (!this.roleSent) {
        this.roleSent = true;
        out.push({ role: "assistant", ...delta });
      } else out.push(delta);
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
