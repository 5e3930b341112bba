import type { ChatCompletionChunk } from "./schema.ts";

type Choice = ChatCompletionChunk["choices"][number];

const CHUNK_OBJECT = "chat.completion.chunk";

/**
 * The JSON text of a translated stream's text chunks: most of a translated stream is chunks whose
 * only delta member is `content`, and serialising each whole is most of the relay's cost for them.
 * Here only the text is serialised per chunk; the head (id, created, model, choice index) is
 * written once per answer from those scalars, never spliced out of a serialised chunk.
 *
 * Byte for byte what JSON.stringify writes, for any chunk: one that is not exactly a text chunk
 * (`{id, object, created, model, choices: [{index, delta: {content}, logprobs?: null,
 * finish_reason: null}]}`, keys in that order) is serialised whole, so a caller cannot get invalid
 * or stale JSON by handing in a chunk that also carries a role, a finish or a usage.
 */
export class TextFrames {
  private head: string | null = null;
  private id = "";
  private created = 0;
  private model = "";
  private index = 0;
  private logprobs = false;

  json(chunk: ChatCompletionChunk): string {
    const choice = isTextChunk(chunk);
    if (choice === null) return JSON.stringify(chunk);
    const withLogprobs = "logprobs" in choice;
    if (
      this.head === null ||
      chunk.id !== this.id ||
      chunk.created !== this.created ||
      chunk.model !== this.model ||
      choice.index !== this.index ||
      withLogprobs !== this.logprobs
    ) {
      this.prepare(chunk, choice.index, withLogprobs);
    }
    return `${this.head}${JSON.stringify(choice.delta.content)}${this.logprobs ? TAIL_WITH_LOGPROBS : TAIL}`;
  }

  private prepare(chunk: ChatCompletionChunk, index: number, withLogprobs: boolean): void {
    this.id = chunk.id;
    this.created = chunk.created;
    this.model = chunk.model;
    this.index = index;
    this.logprobs = withLogprobs;
    this.head =
      `{"id":${JSON.stringify(chunk.id)},"object":"${CHUNK_OBJECT}","created":${JSON.stringify(chunk.created)},` +
      `"model":${JSON.stringify(chunk.model)},"choices":[{"index":${JSON.stringify(index)},"delta":{"content":`;
  }
}

const TAIL = '},"finish_reason":null}]}';
const TAIL_WITH_LOGPROBS = '},"logprobs":null,"finish_reason":null}]}';

const CHUNK_KEYS = ["id", "object", "created", "model", "choices"];
const CHOICE_KEYS = ["index", "delta", "finish_reason"];
const CHOICE_KEYS_WITH_LOGPROBS = ["index", "delta", "logprobs", "finish_reason"];

/** The single choice of a chunk shaped exactly as the head and tails above write it, else null. */
function isTextChunk(chunk: ChatCompletionChunk): Choice | null {
  if (chunk.object !== CHUNK_OBJECT || typeof chunk.id !== "string" || typeof chunk.model !== "string") return null;
  if (!Number.isSafeInteger(chunk.created) || !hasKeys(chunk, CHUNK_KEYS)) return null;
  const choices = chunk.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return null;
  const choice = choices[0]!;
  if (!choice || !Number.isSafeInteger(choice.index) || choice.finish_reason !== null) return null;
  if (!hasKeys(choice, "logprobs" in choice ? CHOICE_KEYS_WITH_LOGPROBS : CHOICE_KEYS)) return null;
  if ("logprobs" in choice && choice.logprobs !== null) return null;
  const delta = choice.delta;
  if (!delta || typeof delta.content !== "string" || !hasKeys(delta, ["content"])) return null;
  return choice;
}

/** Exactly these own keys, in this order (JSON.stringify's order), none of them undefined. */
function hasKeys(value: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in value) {
    if (k !== keys[i] || (value as Record<string, unknown>)[k] === undefined) return false;
    i++;
  }
  return i === keys.length && Object.getPrototypeOf(value) === Object.prototype;
}
