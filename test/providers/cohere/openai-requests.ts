// fast-check generators of valid OpenAI chat requests (valid for the engine's own schema: what a
// client may send), including parameters a given provider may have to refuse.
import fc from "fast-check";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { userContentOf } from "../../helpers/arbitraries.ts";

const text = fc.string({ maxLength: 40 });
const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/);
const callId = fc.stringMatching(/^call_[A-Za-z0-9]{6,12}$/);
const args = fc.oneof(
  fc.constant(""),
  fc.dictionary(name, fc.oneof(fc.integer(), text, fc.boolean()), { maxKeys: 3 }).map((o) => JSON.stringify(o)),
);

const textParts = fc.array(
  text.map((t) => ({ type: "text", text: t })),
  { minLength: 1, maxLength: 3 },
);
const textContent = fc.oneof(text, textParts);
const image = fc.oneof(
  fc.constant({ type: "image_url", image_url: { url: "https://example.com/a.png" } }),
  fc.constantFrom("auto", "low", "high").map((detail) => ({ type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ", detail } })),
);
const userContent = userContentOf(text, image);

const toolCall = fc.record({ id: callId, type: fc.constant("function"), function: fc.record({ name, arguments: args }) });

/** One exchange: a user turn, then either a plain answer or tool calls answered by tool messages. */
const exchange = fc.oneof(
  fc.tuple(userContent, fc.option(fc.oneof(text, fc.constant(null)), { nil: undefined }), fc.option(text, { nil: undefined })).map(([u, answer, reasoning]) => {
    const out: Record<string, unknown>[] = [{ role: "user", content: u }];
    if (answer !== undefined) out.push({ role: "assistant", content: answer, ...(reasoning ? { reasoning_content: reasoning } : {}) });
    return out;
  }),
  fc
    .tuple(userContent, fc.oneof(text, fc.constant(null)), fc.uniqueArray(toolCall, { minLength: 1, maxLength: 3, selector: (c) => c.id }), textContent)
    .map(([u, plan, calls, result]) => [
      { role: "user", content: u },
      { role: "assistant", content: plan, tool_calls: calls },
      ...calls.map((c) => ({ role: "tool", tool_call_id: c.id, content: result })),
    ]),
);

const system = fc.record({ role: fc.constantFrom("system", "developer"), content: textContent });

export const messages = fc
  .tuple(fc.array(system, { maxLength: 2 }), fc.array(exchange, { minLength: 1, maxLength: 3 }))
  .map(([sys, turns]) => [...sys, ...turns.flat()] as ChatRequestBody["messages"]);

const tool = fc.record(
  {
    type: fc.constant("function"),
    function: fc.record(
      { name, description: text, parameters: fc.constant({ type: "object", properties: { q: { type: "string" } } }), strict: fc.boolean() },
      { requiredKeys: ["name"] },
    ),
  },
  { requiredKeys: ["type", "function"] },
);

/** Optional parameters, each present or absent; some are ones a native protocol may refuse. */
const params = fc.record(
  {
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    max_completion_tokens: fc.integer({ min: 1, max: 4096 }),
    seed: fc.integer(),
    stop: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 })),
    frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    n: fc.integer({ min: 1, max: 3 }),
    logprobs: fc.boolean(),
    user: text,
    tools: fc.uniqueArray(tool, { minLength: 1, maxLength: 3, selector: (t) => t.function.name }),
    tool_choice: fc.oneof(
      fc.constantFrom("auto", "none", "required"),
      name.map((n) => ({ type: "function", function: { name: n } })),
    ),
    parallel_tool_calls: fc.boolean(),
    response_format: fc.oneof(
      fc.constant({ type: "text" }),
      fc.constant({ type: "json_object" }),
      fc.constant({ type: "json_schema", json_schema: { name: "out", schema: { type: "object", properties: { a: { type: "number" } } } } }),
    ),
    reasoning_effort: fc.constantFrom("none", "minimal", "low", "medium", "high"),
    stream_options: fc.constant({ include_usage: true }),
  },
  { requiredKeys: [] },
);

export const chatRequest = fc
  .tuple(fc.constantFrom("cohere/command-a-03-2025", "azure/gpt-4o-prod"), messages, params, fc.boolean())
  .map(([model, msgs, p, stream]) => {
    const body: ChatRequestBody = { model, messages: msgs, ...p };
    if (stream) body.stream = true;
    else delete body.stream_options;
    return body;
  });
