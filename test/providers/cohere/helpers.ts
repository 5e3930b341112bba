import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getProvider } from "../../../src/providers/registry.ts";
import type { StreamChunk, Target } from "../../../src/providers/types.ts";
import { collectTranslated } from "../../helpers/translated-chunks.ts";

export const FIXTURES = join(import.meta.dir, "fixtures");

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

/** The recorded events of a *.chunks.txt file, one JSON payload per line. */
export function fixtureEvents(name: string): any[] {
  return fixtureText(name)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

export function cohereTarget(model = "command-a-03-2025"): Target {
  return { provider: getProvider("cohere")!, model, baseUrl: "https://api.cohere.com", key: "co-key", headers: {} };
}

/**
 * Cohere's SSE framing of events: `event: <type>` and `data: <json>` per event, `data: [DONE]` at
 * the end, cut into pieces of `pieceSize` bytes to exercise events split across network reads.
 */
export function sseBody(events: unknown[], opts: { done?: boolean; eventLines?: boolean; pieceSize?: number } = {}): ReadableStream<Uint8Array> {
  let text = events.map((e: any) => `${opts.eventLines === false ? "" : `event: ${e.type}\n`}data: ${JSON.stringify(e)}\n\n`).join("");
  if (opts.done !== false) text += "data: [DONE]\n\n";
  const bytes = new TextEncoder().encode(text);
  const size = opts.pieceSize ?? 7;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

// Tests read the chunks loosely (any), as they come off the wire.
export const collect = collectTranslated as (batches: AsyncIterable<StreamChunk[]>) => Promise<any[]>;
