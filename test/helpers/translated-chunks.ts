import { expect } from "bun:test";
import type { ChatCompletionChunk } from "../../src/openai/schema.ts";
import type { StreamChunk } from "../../src/providers/types.ts";

/**
 * An adapter's stream one chunk at a time, checking the batching contract on the way: the
 * adapter hands over a network read's chunks as one array, and never an empty one.
 */
export async function* eachChunk(batches: AsyncIterable<StreamChunk[]>): AsyncGenerator<StreamChunk> {
  for await (const batch of batches) {
    expect(batch.length).toBeGreaterThan(0);
    yield* batch;
  }
}

/**
 * A translating adapter's chunks, read to the end. A chunk that carries its JSON text (`raw`, made
 * without serialising the chunk, see TextFrames) must carry exactly what JSON.stringify writes:
 * the relay sends that text instead of the chunk, so every stream test checks it here.
 */
export async function collectTranslated(batches: AsyncIterable<StreamChunk[]>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of eachChunk(batches)) {
    if (c.raw !== undefined) expect(c.raw).toBe(JSON.stringify(c.chunk));
    out.push(c.chunk);
  }
  return out;
}
