import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk } from "../../openai/schema.ts";
import { Translator as OpenAITranslator } from "../openai/stream.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import type { StreamChunk, Target } from "../types.ts";

/** Fields every chunk has; the rest of a choice-less annotation chunk is what it carries. */
const CHUNK_FIELDS: ReadonlySet<string> = new Set(["id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"]);

/**
 * Azure's stream is OpenAI's with content-filter annotations mixed in, sent as chunks with an
 * empty `id`, `model` and `object` and `created: 0`:
 * - the first chunk has `choices: []` and `prompt_filter_results`. The contract (README, HTTP API) promises a client that
 *   did not ask for usage only chunks with non-empty `choices`, and clients index `choices[0]`, so
 *   its fields are carried over onto the next chunk instead (the role chunk, usually) — a client
 *   still sees `prompt_filter_results`, at the top level as in a non-streamed answer;
 * - with asynchronous filtering, choices with `content_filter_results`/`content_filter_offsets`
 *   and no `delta` at all; they get an empty delta and the stream's real id, model and time.
 * Everything else passes through byte for byte. One pending annotation is all that is held.
 */
export class Translator implements StreamTranslator<EventSourceMessage> {
  private readonly openai: OpenAITranslator;
  private pending: Record<string, unknown> | null = null;
  private identity: Pick<ChatCompletionChunk, "id" | "object" | "created" | "model"> | null = null;

  constructor(target: Target) {
    this.openai = new OpenAITranslator(target);
  }

  get done(): boolean {
    return this.openai.done;
  }

  translate(event: EventSourceMessage, out: StreamChunk[]): void {
    const before = out.length;
    this.openai.translate(event, out);
    // The OpenAI translator adds at most the event's own chunk.
    if (out.length === before) return;
    const item = out.pop()!;
    const chunk = item.chunk;
    if (chunk.choices.length === 0 && !chunk.usage) {
      this.pending = { ...(this.pending ?? {}), ...annotations(chunk) };
      return;
    }
    const isAnnotation = chunk.id === "" || (chunk.object as string) === "";
    if (!isAnnotation) this.identity = { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model };
    if (!isAnnotation && !this.pending) {
      out.push(item);
      return;
    }
    const fixed: ChatCompletionChunk = {
      ...chunk,
      ...(isAnnotation && this.identity ? this.identity : {}),
      choices: chunk.choices.map((c) => (c.delta ? c : { ...c, delta: {} })),
      ...this.pending,
    };
    this.pending = null;
    out.push({ chunk: fixed });
  }

  finish(): void {
    this.openai.finish();
  }
}

function annotations(chunk: ChatCompletionChunk): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(chunk)) if (!CHUNK_FIELDS.has(k)) out[k] = v;
  return out;
}
