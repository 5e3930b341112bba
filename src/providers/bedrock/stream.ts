import type { ChatCompletionChunk } from "../../openai/schema.ts";
import { TextFrames } from "../../openai/text-frames.ts";
import { badUpstream, UpstreamError } from "../errors.ts";
import type { StreamChunk, Target } from "../types.ts";
import type { StreamBody } from "../upstream-body.ts";
import { streamException } from "./errors.ts";
import { eventStreamMessages, headerText, type EventMessage } from "./event-stream.ts";
import { finishReason } from "./finish-reason.ts";
import type { ReasoningBlock } from "./reasoning.ts";
import { completionId, toolCall } from "./response.ts";
import { usageFromConverse } from "./usage.ts";

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
export async function* converseChunks(body: StreamBody, target: Target): AsyncGenerator<StreamChunk> {
  const provider = target.provider.name;
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: "chat.completion.chunk" as const, created, model: target.model };
  let roleSent = false;
  const chunk = (delta: Delta, finish: string | null = null): StreamChunk => {
    if (!roleSent) {
      delta = { role: "assistant", ...delta };
      roleSent = true;
    }
    return { chunk: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] } };
  };
  const frames = new TextFrames();
  const text = (content: string): StreamChunk => {
    const sc = chunk({ content });
    // The first chunk also carries the role: not a text-only delta.
    if (sc.chunk.choices[0]!.delta.role === undefined) sc.raw = frames.json(sc.chunk);
    return sc;
  };

  const tools = new Map<number, { index: number; gotArguments: boolean }>();
  const reasoning = new Map<number, OpenReasoning>();
  let nextToolIndex = 0;
  let signedSoFar: ReasoningBlock[] = [];
  let stopped = false;

  for await (const message of eventStreamMessages(body, provider)) {
    const { type, payload } = event(message, provider);
    if (type === null) continue;
    const blockIndex: number = payload.contentBlockIndex;
    switch (type) {
      case "messageStart":
        yield chunk({ role: "assistant", content: "" });
        break;
      case "contentBlockStart": {
        const use = payload.start?.toolUse;
        if (!use || use.type === "server_tool_use") break;
        const index = nextToolIndex++;
        tools.set(blockIndex, { index, gotArguments: false });
        yield chunk({ tool_calls: [{ index, ...toolCall(use.toolUseId, use.name, "", signedSoFar) }] });
        signedSoFar = [];
        break;
      }
      case "contentBlockDelta": {
        const d = payload.delta ?? {};
        if (typeof d.text === "string") {
          if (d.text) yield text(d.text);
        } else if (d.toolUse) {
          const tool = tools.get(blockIndex);
          if (!tool) throw badUpstream(provider, `tool input for content block ${blockIndex}, which no toolUse start opened`);
          if (typeof d.toolUse.input === "string" && d.toolUse.input) {
            tool.gotArguments = true;
            yield chunk({ tool_calls: [{ index: tool.index, function: { arguments: d.toolUse.input } }] });
          }
        } else if (d.reasoningContent) {
          const rc = d.reasoningContent;
          let open = reasoning.get(blockIndex);
          if (!open) reasoning.set(blockIndex, (open = { text: "" }));
          if (typeof rc.text === "string" && rc.text) {
            open.text += rc.text;
            yield chunk({ reasoning_content: rc.text });
          }
          if (typeof rc.signature === "string") open.signature = rc.signature;
          if (typeof rc.redactedContent === "string") open.redacted = rc.redactedContent;
        }
        break;
      }
      case "contentBlockStop": {
        const tool = tools.get(blockIndex);
        if (tool) {
          // A tool without arguments streams no input at all; the full response says `{}`.
          if (!tool.gotArguments) yield chunk({ tool_calls: [{ index: tool.index, function: { arguments: "{}" } }] });
          tools.delete(blockIndex);
        }
        const open = reasoning.get(blockIndex);
        if (open) {
          if (open.signature !== undefined) signedSoFar.push({ reasoningText: { text: open.text, signature: open.signature } });
          if (open.redacted !== undefined) signedSoFar.push({ redactedContent: open.redacted });
          reasoning.delete(blockIndex);
        }
        break;
      }
      case "messageStop":
        stopped = true;
        yield chunk({}, finishReason(payload.stopReason));
        break;
      case "metadata": {
        const usage = usageFromConverse(payload.usage);
        if (usage) yield { chunk: { ...base, choices: [], usage } };
        break;
      }
    }
  }
  // Bedrock always ends with messageStop (then metadata); without it the answer was cut off.
  if (!stopped) throw badUpstream(provider, "the stream ended before messageStop");
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
  let payload: any;
  try {
    payload = JSON.parse(toUtf8(message.body));
  } catch {
    throw badUpstream(provider, "an event payload is not JSON");
  }
  return { type: headerText(message, ":event-type") ?? null, payload: payload ?? {} };
}
