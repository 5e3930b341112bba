// Property-based checks of the request translation, against the fake's copy of the API's rules.

import { expect, test } from "bun:test";
import fc from "fast-check";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { ApiError } from "../../../src/errors/vocabulary.ts";
import { toolResponse } from "../../../src/providers/gemini/messages.ts";
import { geminiAdapter } from "../../../src/providers/gemini/index.ts";
import { protoProblems } from "../../fakes/gemini/proto.ts";
import { semanticProblem } from "../../fakes/gemini/validate.ts";
import { target } from "./helpers.ts";
import { userContentOf } from "../../helpers/arbitraries.ts";

const MODEL = "gemini-3-pro-preview";
const text = fc.string({ maxLength: 30 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 30 });
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/);
const args = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })),
  { maxKeys: 3 },
);
const signature = fc.base64String({ minLength: 4, maxLength: 40 }).filter((s) => s.length > 0);
const image = fc.oneof(
  fc.base64String({ minLength: 4, maxLength: 16 }).map((d) => ({ type: "image_url", image_url: { url: `data:image/png;base64,${d}` } })),
  fc.constantFrom("https://x.test/a.png", "https://x.test/b.jpeg?v=1").map((url) => ({ type: "image_url", image_url: { url } })),
);
const userContent = userContentOf(nonEmpty, image);

/** One step of a well-formed conversation: a user message, or an assistant answer (its calls answered). */
const step = fc.oneof(
  userContent.map((content) => [{ role: "user", content }]),
  nonEmpty.map((t) => [{ role: "assistant", content: t }]),
  fc
    .record({
      content: fc.option(text, { nil: null }),
      calls: fc.array(
        fc.record({
          name,
          args,
          result: fc.oneof(
            text,
            args.map((a) => JSON.stringify(a)),
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      sig: signature,
      order: fc.func(fc.integer()),
    })
    .map(({ content, calls, sig, order }) => {
      const ids = calls.map(() => `call_${crypto.randomUUID().slice(0, 8)}`);
      const assistant = {
        role: "assistant",
        content,
        tool_calls: calls.map((c, i) => ({
          id: ids[i],
          type: "function",
          function: { name: c.name, arguments: JSON.stringify(c.args) },
          ...(i === 0 ? { extra_content: { google: { thought_signature: sig } } } : {}),
        })),
      };
      // Results may come back in any order; each names its call by id.
      const results = calls
        .map((c, i) => ({ role: "tool", tool_call_id: ids[i], content: c.result }))
        .sort((a, b) => order(a.tool_call_id) - order(b.tool_call_id));
      return [assistant, ...results];
    }),
);

const conversation = fc
  .record({
    system: fc.array(
      fc.constantFrom("system", "developer").chain((role) => nonEmpty.map((content) => ({ role, content }))),
      { maxLength: 2 },
    ),
    first: userContent,
    steps: fc.array(step, { maxLength: 5 }),
  })
  .map(({ system, first, steps }) => {
    const messages: any[] = [...system, { role: "user", content: first }];
    for (const s of steps) {
      // Two assistant messages in a row would share one model turn; keep them apart.
      if (messages.at(-1).role === "assistant" && s[0].role === "assistant") messages.push({ role: "user", content: "go on" });
      messages.push(...s);
    }
    return messages;
  });

const build = (body: Record<string, unknown>) =>
  geminiAdapter.buildRequest({ model: `gemini/${MODEL}`, ...body } as ChatRequestBody, target(MODEL), false) as { init: RequestInit };

test("property: a well-formed conversation translates to a request the API accepts", () => {
  fc.assert(
    fc.property(conversation, (messages) => {
      const body = JSON.parse(build({ messages }).init.body as string);
      expect(protoProblems(body).messages).toEqual([]);
      expect(semanticProblem(body, MODEL)).toBeNull();
    }),
    { numRuns: 300 },
  );
});

test("property: request → native → response keeps every message", () => {
  fc.assert(
    fc.property(conversation, (messages) => {
      const body = JSON.parse(build({ messages }).init.body as string);
      const systemTexts = messages.filter((m) => m.role === "system" || m.role === "developer").map((m) => m.content);
      expect((body.systemInstruction?.parts ?? []).map((p: any) => p.text)).toEqual(systemTexts);

      // Model turns, read back as Gemini answers, give back each assistant message.
      const modelTurns = body.contents.filter((c: any) => c.role === "model");
      const assistants = messages.filter((m) => m.role === "assistant");
      expect(modelTurns).toHaveLength(assistants.length);
      assistants.forEach((original, i) => {
        const answer = { candidates: [{ content: modelTurns[i], finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 1, totalTokenCount: 1 } };
        const back = geminiAdapter.parseResponse(JSON.stringify(answer), target(MODEL)).choices[0].message as any;
        expect(back.content).toBe(original.content || (original.tool_calls ? null : original.content));
        const calls = (original.tool_calls ?? []).map((c: any) => [
          c.function.name,
          JSON.parse(c.function.arguments),
          c.extra_content?.google.thought_signature,
        ]);
        const backCalls = (back.tool_calls ?? []).map((c: any) => [
          c.function.name,
          JSON.parse(c.function.arguments),
          c.extra_content?.google.thought_signature,
        ]);
        expect(backCalls).toEqual(calls);
      });

      // User turns hold every user part and every tool result, in order.
      const userParts = body.contents.filter((c: any) => c.role === "user").flatMap((c: any) => c.parts);
      const names = new Map(assistants.flatMap((a) => (a.tool_calls ?? []).map((c: any) => [c.id, c.function.name])));
      const expected = messages.flatMap((m) => {
        if (m.role === "tool") return [{ functionResponse: { name: names.get(m.tool_call_id), response: toolResponse(m.content) } }];
        if (m.role !== "user") return [];
        const parts = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
        return parts.map((p: any) => {
          if (p.type === "text") return { text: p.text };
          const url: string = p.image_url.url;
          if (url.startsWith("data:")) return { inlineData: { mimeType: "image/png", data: url.slice("data:image/png;base64,".length) } };
          return { fileData: { mimeType: url.includes(".png") ? "image/png" : "image/jpeg", fileUri: url } };
        });
      });
      expect(userParts).toEqual(expected);
    }),
    { numRuns: 300 },
  );
});

// Anything the OpenAI schema lets through: some of it Gemini cannot take, which must be a 400.
const anyContent = fc.oneof(
  text,
  fc.constant(null),
  fc.array(
    fc.oneof(
      text.map((t) => ({ type: "text", text: t })),
      image,
      fc.constant({ type: "image_url", image_url: { url: "https://x.test/noext" } }),
      fc.constant({ type: "input_audio", input_audio: { data: "AA==", format: "wav" } }),
      fc.constant({ type: "refusal", refusal: "no" }),
      fc.constant({ type: "file", file: { file_id: "f" } }),
    ),
    { maxLength: 3 },
  ),
);
const anyMessage = fc.oneof(
  fc.record({ role: fc.constantFrom("system", "developer", "user"), content: anyContent }),
  fc.record({
    role: fc.constant("assistant"),
    content: anyContent,
    tool_calls: fc.option(
      fc.array(
        fc.record({
          id: fc.constantFrom("a", "b"),
          type: fc.constantFrom("function", "custom"),
          function: fc.record({
            name,
            arguments: fc.oneof(
              args.map((a) => JSON.stringify(a)),
              fc.constantFrom("", "[1]", "{bad", "null"),
            ),
          }),
        }),
        { maxLength: 2 },
      ),
      { nil: undefined },
    ),
  }),
  fc.record({ role: fc.constant("tool"), tool_call_id: fc.constantFrom("a", "b", "zzz"), content: anyContent }),
  fc.record({ role: fc.constant("function"), name, content: fc.option(text, { nil: null }) }),
);
const anyParams = fc.record(
  {
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 9999 }),
    n: fc.integer({ min: 1, max: 4 }),
    stop: fc.oneof(text, fc.array(text, { maxLength: 3 })),
    seed: fc.integer(),
    logprobs: fc.boolean(),
    reasoning_effort: fc.constantFrom("none", "minimal", "low", "medium", "high", "xhigh", "bogus"),
    response_format: fc.constantFrom(
      { type: "text" },
      { type: "json_object" },
      { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { a: { type: "string" } } } } },
      { type: "other" },
    ),
    tools: fc.array(
      fc.record({
        type: fc.constantFrom("function", "web_search"),
        function: fc.record({ name, parameters: fc.constant({ type: "object", properties: { q: { type: "string" } }, additionalProperties: false }) }),
      }),
      { maxLength: 2 },
    ),
    tool_choice: fc.constantFrom("auto", "none", "required", { type: "function", function: { name: "x" } }),
    parallel_tool_calls: fc.boolean(),
  },
  { requiredKeys: [] },
);

test("property: any request the OpenAI schema accepts translates, or is refused with a 400", () => {
  fc.assert(
    fc.property(
      fc.array(anyMessage, { minLength: 1, maxLength: 6 }),
      anyParams,
      fc.constantFrom("gemini-2.5-flash", "gemini-3-flash-preview", "gemma-3-27b-it"),
      (messages, params, model) => {
        try {
          const req = geminiAdapter.buildRequest({ model: `gemini/${model}`, messages, ...params } as ChatRequestBody, target(model), true) as {
            init: RequestInit;
          };
          const body = JSON.parse(req.init.body as string);
          // Whatever is sent parses as Gemini's request message.
          expect(protoProblems(body).messages).toEqual([]);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          expect(e.status).toBe(400);
          expect(e.param).toBeTruthy();
        }
      },
    ),
    { numRuns: 500 },
  );
});
