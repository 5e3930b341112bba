import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatCompletionChunk, ChatRequestBody } from "../../../src/openai/schema.ts";
import { anthropicAdapter } from "../../../src/providers/anthropic/index.ts";
import { getProvider } from "../../../src/providers/registry.ts";
import type { Target } from "../../../src/providers/types.ts";
import { collectTranslated } from "../../helpers/translated-chunks.ts";

export const FIXTURES = join(import.meta.dir, "fixtures");

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

/** The recorded events of a *.chunks.txt file, one parsed payload per line. */
export function fixtureEvents(name: string): any[] {
  return fixtureText(name)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

export function target(model = "claude-haiku-4-5", extra: Partial<Target> = {}): Target {
  return {
    provider: getProvider("anthropic")!,
    model,
    baseUrl: "https://api.anthropic.com",
    key: "sk-ant-test",
    headers: {},
    ...extra,
  };
}

/** The native request body the adapter builds, parsed. */
export async function nativeBody(
  body: Partial<ChatRequestBody> & { messages: ChatRequestBody["messages"] },
  model = "claude-haiku-4-5",
  stream = false,
): Promise<any> {
  const req = await anthropicAdapter.buildRequest({ model: `anthropic/${model}`, ...body } as ChatRequestBody, target(model), stream);
  return JSON.parse(req.init.body as string);
}

/** SSE bytes the way the API frames them (`event: <type>` + `data: <json>`), split at arbitrary points. */
export function sseBody(events: unknown[], chunkSize = 37): ReadableStream<Uint8Array> {
  const text = events.map((e: any) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
}

/** Every chunk the adapter makes of these upstream events. */
export async function translate(events: unknown[]): Promise<ChatCompletionChunk[]> {
  return collectTranslated(anthropicAdapter.streamChunks(sseBody(events), target()));
}
