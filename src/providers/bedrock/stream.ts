import type { ChatCompletionChunk } from "../../openai/schema.ts";
import { TextFrames } from "../../openai/text-frames.ts";
import { badUpstream, UpstreamError } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import type { StreamChunk, Target } from "../types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { streamException } from "./errors.ts";
import { headerText, type EventMessage } from "./event-stream.ts";
import { toFinishReason } from "./finish-reason.ts";
import type { ReasoningBlock } from "./wire.ts";
import { completionId, toolCall } from "./response.ts";
import { toOpenAIUsage } from "./usage.ts";

const utf8 = new TextDecoder();
const toUtf8 = (bytes: Uint8Array) => utf8.decode(bytes);

type Delta = ChatCompletionChunk["choices"][number]["delta"];

interface OpenReasoning {
  text: string;
  signature?: string;
  redacted?: string;
}

/**
 * ConverseStream events → OpenAI chunks, one event at a time:
 * messageStart → the role delta; contentBlockStart(toolUse) → a tool call with its id and name,
 * numbered in order of appearance; contentBlockDelta → content, tool arguments or
 * reasoning_content; contentBlockStop closes a block; messageStop → the finish_reason chunk;
 * metadata → the usage chunk (`choices: []`), which may come before or after messageStop.
 * Exception frames become UpstreamError, so the relay tells the client instead of cutting it off.
 *
 * State is per open block, never the answer: the one thing held is the text of a reasoning block
 * until its signature arrives, because a signed block must travel on the next tool call.
 */
export class Translator implements StreamTranslator<EventMessage> {
  readonly done = false;
  private readonly provider: string;
  private readonly base: Pick<ChatCompletionChunk, "id" | "object" | "created" | "model">;
  private roleSent = false;
  private readonly frames = new TextFrames();
  private readonly tools = new Map<number, { index: number; gotArguments: boolean }>();
  private readonly reasoning = new Map<number, OpenReasoning>();
  private nextToolIndex = 0;
  private signedSoFar: ReasoningBlock[] = [];
  private stopped = false;

  constructor(target: Target) {
    this.provider = target.provider.name;
    this.base = { id: completionId(), object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: target.model };
  }

  translate(message: EventMessage, out: StreamChunk[]): void {
    const { type, payload } = event(message, this.provider);
    if (type === null) return;
    const blockIndex: number = payload.contentBlockIndex;
    switch (type) {
      case "messageStart":
        out.push(this.chunk({ role: "assistant", content: "" }));
        break;
      case "contentBlockStart": {
        const use = payload.start?.toolUse;
        if (!use || use.type === "server_tool_use") break;
        const index = this.nextToolIndex++;
        this.tools.set(blockIndex, { index, gotArguments: false });
        out.push(this.chunk({ tool_calls: [{ index, ...toolCall(use.toolUseId, use.name, "", this.signedSoFar) }] }));
        this.signedSoFar = [];
        break;
      }
      case "contentBlockDelta":
        this.blockDelta(blockIndex, payload.delta ?? {}, out);
        break;
      case "contentBlockStop": {
        const tool = this.tools.get(blockIndex);
        if (tool) {
          // A tool without arguments streams no input at all; the full response says `{}`.
          if (!tool.gotArguments) out.push(this.chunk({ tool_calls: [{ index: tool.index, function: { arguments: "{}" } }] }));
          this.tools.delete(blockIndex);
        }
        const open = this.reasoning.get(blockIndex);
        if (open) {
          if (open.signature !== undefined) this.signedSoFar.push({ reasoningText: { text: open.text, signature: open.signature } });
          if (open.redacted !== undefined) this.signedSoFar.push({ redactedContent: open.redacted });
          this.reasoning.delete(blockIndex);
        }
        break;
      }
      case "messageStop":
        this.stopped = true;
        out.push(this.chunk({}, toFinishReason(payload.stopReason)));
        break;
      case "metadata": {
        const usage = toOpenAIUsage(payload.usage);
        if (usage) out.push({ chunk: { ...this.base, choices: [], usage } });
        break;
      }
    }
  }

  // Bedrock always ends with messageStop (then metadata); without it the answer was cut off.
  finish(): void {
    if (!this.stopped) throw badUpstream(this.provider, "the stream ended before messageStop");
  }

  private blockDelta(blockIndex: number, d: any, out: StreamChunk[]): void {
    if (typeof d.text === "string") {
      if (d.text) out.push(this.text(d.text));
    } else if (d.toolUse) {
      const tool = this.tools.get(blockIndex);
      if (!tool) throw badUpstream(this.provider, `tool input for content block ${blockIndex}, which no toolUse start opened`);
      if (typeof d.toolUse.input === "string" && d.toolUse.input) {
        tool.gotArguments = true;
        out.push(this.chunk({ tool_calls: [{ index: tool.index, function: { arguments: d.toolUse.input } }] }));
      }
    } else if (d.reasoningContent) {
      const rc = d.reasoningContent;
      let open = this.reasoning.get(blockIndex);
      if (!open) this.reasoning.set(blockIndex, (open = { text: "" }));
      if (typeof rc.text === "string" && rc.text) {
        open.text += rc.text;
        out.push(this.chunk({ reasoning_content: rc.text }));
      }
      if (typeof rc.signature === "string") open.signature = rc.signature;
      if (typeof rc.redactedContent === "string") open.redacted = rc.redactedContent;
    }
  }

  private chunk(delta: Delta, finish: string | null = null): StreamChunk {
    if (!this.roleSent) {
      delta = { role: "assistant", ...delta };
      this.roleSent = true;
    }
    return { chunk: { ...this.base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] } };
  }

  private text(content: string): StreamChunk {
    const sc = this.chunk({ content });
    // The first chunk also carries the role: not a text-only delta.
    if (sc.chunk.choices[0]!.delta.role === undefined) sc.raw = this.frames.json(sc.chunk);
    return sc;
  }
}

function event(message: EventMessage, provider: string): { type: string | null; payload: any } {
  const kind = headerText(message, ":message-type");
  if (kind === "exception") {
    throw new UpstreamError(streamException(headerText(message, ":exception-type") ?? "unknownException", toUtf8(message.body)));
  }
  if (kind === "error") {
    const code = headerText(message, ":error-code") ?? "error";
    throw new UpstreamError({
      status: 502,
      error: { message: headerText(message, ":error-message") ?? code, type: "api_error", param: null, code },
      headers: {},
    });
  }
  if (kind !== "event") return { type: null, payload: null };
  const payload = parseUpstreamJson(toUtf8(message.body), provider, "an event payload");
  return { type: headerText(message, ":event-type") ?? null, payload: payload ?? {} };
}
