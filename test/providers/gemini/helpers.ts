import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatCompletionChunk } from "../../../src/openai/schema.ts";
import { getProvider } from "../../../src/providers/registry.ts";
import type { Target } from "../../../src/providers/types.ts";
import { collectTranslated } from "../../helpers/translated-chunks.ts";

export function target(model = "gemini-2.5-flash", key: string | null = "AIza-test"): Target {
  return { provider: getProvider("gemini")!, model, baseUrl: "https://generativelanguage.googleapis.com", key, headers: {} };
}

export function fixtureText(name: string): string {
  return readFileSync(join(import.meta.dir, "fixtures", name), "utf8");
}

/** A recorded stream's events (one JSON payload per line). */
export function fixtureEvents(name: string): unknown[] {
  return fixtureText(name)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

/** Bytes as streamGenerateContent?alt=sse sends them, cut into pieces of `cut` bytes to cross event boundaries. */
export function sseBody(events: unknown[], cut = 7): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\r\n\r\n`).join(""));
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + cut));
      at += cut;
    },
  });
}

export const collect = collectTranslated;

/** What an OpenAI client rebuilds from the chunks of one choice (like the SDK's accumulator). */
export function accumulate(chunks: ChatCompletionChunk[], index = 0) {
  let content = "";
  let reasoning = "";
  let finish: string | null = null;
  const calls: any[] = [];
  for (const c of chunks) {
    for (const choice of c.choices) {
      if (choice.index !== index) continue;
      if (choice.delta.content) content += choice.delta.content;
      if (choice.delta.reasoning_content) reasoning += choice.delta.reasoning_content;
      if (choice.finish_reason) finish = choice.finish_reason;
      for (const tc of choice.delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { function: { name: "", arguments: "" } });
        const { index: _i, function: fn, ...rest } = tc as any;
        Object.assign(call, rest);
        if (fn?.name) call.function.name += fn.name;
        if (fn?.arguments) call.function.arguments += fn.arguments;
      }
    }
  }
  return { content, reasoning, finish, calls };
}
