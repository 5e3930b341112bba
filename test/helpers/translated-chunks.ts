import { expect } from "bun:test";
import type { ChatCompletionChunk } from "../../src/openai/schema.ts";
import type { StreamChunk } from "../../src/providers/types.ts";

/**
 * A translating adapter's chunks, read to the end. A chunk that carries its JSON text (`raw`, made
 * without serialising the chunk, see TextFrames) must carry exactly what JSON.stringify writes:
 * the relay sends that text instead of the chunk, so every stream test checks it here.
 */
export async function collectTranslated(chunks: AsyncIterable<StreamChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of chunks) {
    if (c.raw !== undefined) expect(c.raw).toBe(JSON.stringify(c.chunk));
    out.push(c.chunk);
  }
  return out;
}
