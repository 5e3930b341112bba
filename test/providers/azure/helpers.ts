import { getProvider } from "../../../src/providers/registry.ts";
import { eachChunk } from "../../helpers/translated-chunks.ts";
import type { StreamChunk, Target } from "../../../src/providers/types.ts";

export function azureTarget(opts: { endpoint?: string; deployment?: string; key?: string | null; apiVersion?: string } = {}): Target {
  return {
    provider: getProvider("azure")!,
    model: opts.deployment ?? "gpt-4o-prod",
    baseUrl: opts.endpoint ?? "https://my-resource.openai.azure.com",
    key: opts.key === undefined ? "azure-key" : opts.key,
    headers: {},
    apiVersion: opts.apiVersion,
  };
}

/** OpenAI-style SSE: one `data:` line per chunk, then `data: [DONE]`. */
export function sseBody(chunks: unknown[], opts: { done?: boolean } = {}): ReadableStream<Uint8Array> {
  let text = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("");
  if (opts.done !== false) text += "data: [DONE]\n\n";
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      // Two reads, split mid-event, as networks do.
      const cut = Math.floor(bytes.length / 2);
      controller.enqueue(bytes.slice(0, cut));
      controller.enqueue(bytes.slice(cut));
      controller.close();
    },
  });
}

export async function collect(batches: AsyncIterable<StreamChunk[]>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = [];
  for await (const c of eachChunk(batches)) out.push(c);
  return out;
}
