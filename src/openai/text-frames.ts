import type { ChatCompletionChunk } from "./schema.ts";

/**
 * The JSON text of a translated stream's text chunks, made from a head and a tail serialised once
 * per answer plus each chunk's text alone: most of a translated stream is chunks whose only
 * delta member is `content`, and serialising each whole is most of the relay's cost for them.
 *
 * Byte for byte what JSON.stringify writes, provided the chunks handed in differ only in their
 * text, id, created, model and choice index (those four are checked, and a change re-serialises
 * the head). So only chunks with a single choice, a `{ content }` delta and no finish belong here.
 */
export class TextFrames {
  private head: string | null = null;
  private tail = "";
  private id = "";
  private created = 0;
  private model = "";
  private index = 0;

  json(chunk: ChatCompletionChunk): string {
    const choice = chunk.choices[0]!;
    const text = JSON.stringify(choice.delta.content);
    if (this.head === null || chunk.id !== this.id || chunk.created !== this.created || chunk.model !== this.model || choice.index !== this.index) {
      return this.prepare(chunk, text);
    }
    return `${this.head}${text}${this.tail}`;
  }

  private prepare(chunk: ChatCompletionChunk, text: string): string {
    this.id = chunk.id;
    this.created = chunk.created;
    this.model = chunk.model;
    this.index = chunk.choices[0]!.index;
    const json = JSON.stringify(chunk);
    // The delta comes after id and model, and nothing after it repeats it: the last match is the delta.
    const marker = `"delta":{"content":${text}}`;
    const at = json.lastIndexOf(marker);
    this.head = json.slice(0, at + marker.length - text.length - 1);
    this.tail = json.slice(at + marker.length - 1);
    return json;
  }
}
