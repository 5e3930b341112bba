import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import { nativeRequest } from "../../../src/providers/bedrock/request.ts";
import { parseResponse } from "../../../src/providers/bedrock/response.ts";
import { bedrockTarget } from "./helpers.ts";
import { userContentOf } from "../../helpers/arbitraries.ts";

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const target = bedrockTarget();

type Msg = ChatRequestBody["messages"][number];

const anyText = fc.string({ maxLength: 40 });
const solidText = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
const toolName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,20}$/);
const toolId = fc.stringMatching(/^tooluse_[A-Za-z0-9]{4,12}$/);
const args = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null)), {
  maxKeys: 3,
});
const reasoningBlock = fc.oneof(
  fc.record({ reasoningText: fc.record({ text: solidText, signature: fc.base64String({ minLength: 4, maxLength: 40 }) }) }),
  fc.record({ redactedContent: fc.base64String({ minLength: 4, maxLength: 40 }) }),
);
const image = fc.constantFrom("png", "jpeg", "gif", "webp").map((f) => ({ type: "image_url", image_url: { url: `data:image/${f};base64,iVBORw0KGgo=` } }));

/** One exchange: a user message, then an assistant answer — text, or tool calls followed by their results. */
function exchange(text: fc.Arbitrary<string>) {
  const userContent = userContentOf(text, image);
  const call = fc.record({ id: toolId, name: toolName, args, reasoning: fc.array(reasoningBlock, { maxLength: 2 }) });
  const assistant = fc.oneof(
    text.map((t) => ({ text: t, calls: [] as { id: string; name: string; args: Record<string, unknown>; reasoning: unknown[] }[], results: [] as string[] })),
    fc.record({
      text: fc.oneof(fc.constant(""), text),
      calls: fc.uniqueArray(call, { minLength: 1, maxLength: 3, selector: (c) => c.id }),
      results: fc.array(text, { minLength: 3, maxLength: 3 }),
    }),
  );
  type Answer = { text: string; calls: { id: string; name: string; args: Record<string, unknown>; reasoning: unknown[] }[]; results: string[] };
  return fc.record({ user: userContent, assistant }).map(({ user, assistant }) => {
    const a = assistant as Answer;
    const out: Msg[] = [{ role: "user", content: user }];
    if (!a.calls.length) {
      out.push({ role: "assistant", content: a.text });
      return out;
    }
    out.push({
      role: "assistant",
      content: a.text || null,
      tool_calls: a.calls.map((c) => ({
        id: c.id,
        type: "function",
        function: { name: c.name, arguments: JSON.stringify(c.args) },
        ...(c.reasoning.length ? { reasoning_blocks: c.reasoning } : {}),
      })),
    });
    a.calls.forEach((c, i) => out.push({ role: "tool", tool_call_id: c.id, content: a.results[i] }));
    return out;
  });
}

function conversation(text: fc.Arbitrary<string>) {
  return fc
    .record({ system: fc.array(text, { maxLength: 2 }), exchanges: fc.array(exchange(text), { minLength: 1, maxLength: 4 }), last: text })
    .map(({ system, exchanges, last }) => [
      ...system.map((s): Msg => ({ role: "system", content: s })),
      ...exchanges.flat(),
      { role: "user", content: last } as Msg,
    ]);
}

const tools = fc.array(
  toolName.map((name) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } })),
  { minLength: 1, maxLength: 3 },
);

/** Mostly values Bedrock can honour, sometimes one it cannot (which must then be a clean 400). */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: invalid, weight: 1 });

const options = fc.record(
  {
    tools,
    tool_choice: fc.oneof(
      fc.constantFrom("auto", "required", "none"),
      toolName.map((name) => ({ type: "function", function: { name } })),
    ),
    // (tool_choice without tools is one of the refusals this property exercises: tools are optional too)
    temperature: mostly(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1.01, max: 2, noNaN: true })),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_tokens: mostly(fc.integer({ min: 2049, max: 100_000 }), fc.integer({ min: 1, max: 2048 })),
    n: mostly(fc.constant(1), fc.integer({ min: 2, max: 3 })),
    stop: fc.oneof(solidText, fc.array(solidText, { maxLength: 4 })),
    reasoning_effort: mostly(fc.constantFrom("none", "minimal", "low", "medium", "high"), fc.constant("extreme")),
    logprobs: mostly(fc.constant(false), fc.constant(true)),
    seed: fc.integer(),
    response_format: mostly(
      fc.constantFrom({ type: "text" }, { type: "json_schema", json_schema: { name: "s", schema: { type: "object" } } }),
      fc.constant({ type: "json_object" }),
    ),
  },
  { requiredKeys: [] },
);

describe("any valid OpenAI request translates, or is refused with a 400", () => {
  test("property", () => {
    let translated = 0;
    fc.assert(
      fc.property(
        conversation(anyText),
        options,
        mostly(fc.constantFrom(MODEL, `us.${MODEL}`), fc.constantFrom("amazon.nova-pro-v1:0", "meta.llama3-70b-instruct-v1:0")),
        fc.boolean(),
        (messages, opts, model, stream) => {
          let body;
          try {
            body = nativeRequest({ model: `bedrock/${model}`, messages, ...opts } as ChatRequestBody, model, stream);
          } catch (e) {
            expect(e).toBeInstanceOf(ApiError);
            expect(toWire(e as ApiError).status).toBe(400);
            expect(toWire(e as ApiError).error.param).toBeTruthy();
            return;
          }
          // What Converse requires of any request we send:
          body.messages.forEach((turn, i) => {
            if (i > 0) expect(turn.role).not.toBe(body.messages[i - 1].role);
            expect(turn.content.length).toBeGreaterThan(0);
            for (const block of turn.content) expect(Object.keys(block)).toHaveLength(1);
            if (turn.role === "assistant") for (const b of turn.content) if ("text" in b) expect(b.text.trim()).not.toBe("");
          });
          const text = JSON.stringify(body.messages);
          if (!body.toolConfig) {
            expect(text).not.toContain('"toolUse"');
            expect(text).not.toContain('"toolResult"');
          }
          if (body.additionalModelRequestFields)
            expect(body.inferenceConfig!.maxTokens!).toBeGreaterThan((body.additionalModelRequestFields as any).thinking.budget_tokens);
          translated++;
        },
      ),
      { numRuns: 400 },
    );
    // Most generated requests are honourable; the property is not just a tour of refusals.
    expect(translated).toBeGreaterThan(150);
  });
});

describe("request → native → response keeps every message", () => {
  test("property", () => {
    const toolsFor = (messages: Msg[]) => {
      const names = new Set(messages.flatMap((m) => ((m.tool_calls as any[]) ?? []).map((c) => c.function.name)));
      return [...names, "fallback_tool"].map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } }));
    };
    fc.assert(
      fc.property(conversation(solidText), (messages) => {
        const body = nativeRequest({ model: `bedrock/${MODEL}`, messages, tools: toolsFor(messages) } as ChatRequestBody, MODEL, false);

        // System, user and tool text arrive, in order, where Converse keeps them.
        expect(body.system ?? []).toEqual(messages.filter((m) => m.role === "system").map((m) => ({ text: m.content as string })));
        const userSide = body.messages.filter((t) => t.role === "user").flatMap((t) => t.content);
        const expectedUserSide = messages.flatMap((m): unknown[] => {
          if (m.role === "tool") return [{ toolResult: { toolUseId: m.tool_call_id, content: [{ text: m.content }] } }];
          if (m.role !== "user") return [];
          if (typeof m.content === "string") return [{ text: m.content }];
          return (m.content as any[]).map((p) =>
            p.type === "text" ? { text: p.text } : { image: { format: /image\/(\w+)/.exec(p.image_url.url)![1], source: { bytes: "iVBORw0KGgo=" } } },
          );
        });
        expect(userSide as unknown[]).toEqual(expectedUserSide);

        // Each assistant message, answered back by Bedrock as it was sent, comes back the same.
        const assistants = messages.filter((m) => m.role === "assistant");
        const turns = body.messages.filter((t) => t.role === "assistant");
        expect(turns).toHaveLength(assistants.length);
        assistants.forEach((original, i) => {
          const reply = parseResponse(JSON.stringify({ output: { message: turns[i] }, stopReason: "end_turn", usage: {} }), target).choices[0].message as any;
          expect(reply.content).toEqual(original.content);
          const calls = (original.tool_calls as any[]) ?? [];
          if (!calls.length) {
            expect(reply.tool_calls).toBeUndefined();
            return;
          }
          expect(reply.tool_calls.map((c: any) => ({ ...c, function: { ...c.function, arguments: JSON.parse(c.function.arguments) } }))).toEqual(
            calls.map((c) => ({ ...c, function: { ...c.function, arguments: JSON.parse(c.function.arguments) } })),
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});
