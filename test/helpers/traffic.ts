import OpenAI from "openai";
import type { FakeOpenAI } from "../fakes/openai-upstream.ts";

/** Personal data the redaction tests look for in stored traces. */
export const SECRET = "call me at jane.doe@example.com or +1 415 555 0100";

/** The tools the tool-calls request declares: the trace keeps them in `request_params`. */
export const TOOLS = ["a", "b"].map((name) => ({
  type: "function" as const,
  function: { name, description: `tool ${name}`, parameters: { type: "object", properties: { x: { type: "number" } } } },
}));

/**
 * The request mix the trace tests store and read back, local store and ClickHouse alike: a plain
 * answer (asking with SECRET), a stream, two tool calls, and an unknown model (an error trace).
 */
export async function trafficMix(baseURL: string, fake: FakeOpenAI) {
  const client = new OpenAI({ baseURL, apiKey: "x", maxRetries: 0 });
  const plain = await client.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: SECRET }] }).withResponse();
  const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "streamed answer" }], stream: true });
  let streamed = "";
  let last: any;
  for await (const c of stream) {
    streamed += c.choices[0]?.delta.content ?? "";
    last = c;
  }
  fake.script({
    toolCalls: [
      { name: "a", arguments: {} },
      { name: "b", arguments: { x: 1 } },
    ],
  });
  await client.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "tools" }], tools: TOOLS, temperature: 0.2 });
  await client.chat.completions.create({ model: "nope-model", messages: [{ role: "user", content: "x" }] }).catch(() => {});
  return { plain, streamed, last };
}
