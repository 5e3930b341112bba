import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ChatRequest, type ChatCompletionChunk, type ChatRequestBody } from "../../../src/openai/schema.ts";
import { modelTraits } from "../../../src/providers/anthropic/models.ts";
import { nativeRequest } from "../../../src/providers/anthropic/request.ts";
import { parseResponse } from "../../../src/providers/anthropic/response.ts";
import { Translator } from "../../../src/providers/anthropic/stream.ts";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import type { StreamChunk } from "../../../src/providers/types.ts";

const MODELS = [
  "claude-haiku-4-5",
  "claude-sonnet-4-20250514",
  "claude-opus-4-1",
  "claude-sonnet-4-6",
  "claude-opus-4-7",
  "claude-fable-5",
  "claude-3-5-haiku-latest",
  "proxy-model",
];
const NON_BLANK = /\S/;

// --- arbitrary OpenAI requests (any shape the engine's schema lets through) ----------------------

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("", " ", "\n", "hello", "what is 2+2?"));
const part = fc.oneof(
  { arbitrary: text.map((t) => ({ type: "text", text: t })), weight: 8 },
  fc.constantFrom(
    { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
    { type: "image_url", image_url: { url: "https://example.com/a.jpg" } },
    { type: "image_url", image_url: { url: "ftp://example.com/a.jpg" } },
    { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
    { type: "refusal", refusal: "no" },
  ),
);
const content = fc.oneof(text, fc.array(part, { maxLength: 3 }));
const toolId = fc.constantFrom("toolu_01A", "toolu_01B", "call_x", "toolu_01C");
const args = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom("a", "b", "city"), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o)), weight: 8 },
  fc.constantFrom("", "{}", "not json", "[1,2]", '"str"'),
);
const toolCall = fc.record({
  id: toolId,
  type: fc.constantFrom(...Array(9).fill("function"), "custom"),
  function: fc.record({ name: fc.constantFrom("f", "get_weather"), arguments: args }),
});
const thinkingBlocks = fc.array(
  fc.oneof(
    { arbitrary: fc.record({ type: fc.constant("thinking"), thinking: text, signature: fc.constantFrom("EqQBa==", "EqQBb==") }), weight: 8 },
    { arbitrary: fc.record({ type: fc.constant("redacted_thinking"), data: fc.constant("EmwKAhgB") }), weight: 4 },
    { arbitrary: fc.constant({ type: "bogus" }), weight: 1 },
  ),
  { maxLength: 2 },
);
const message = fc.oneof(
  fc.record({ role: fc.constantFrom("system", "developer"), content }),
  fc.record({ role: fc.constant("user"), content }),
  fc.record(
    {
      role: fc.constant("assistant"),
      content: fc.option(content, { nil: null }),
      tool_calls: fc.option(fc.array(toolCall, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      thinking_blocks: fc.option(thinkingBlocks, { nil: undefined }),
    },
    { requiredKeys: ["role", "content"] },
  ),
  fc.record({ role: fc.constant("tool"), tool_call_id: toolId, content }),
);
const tool = fc.oneof(
  {
    arbitrary: fc.record({
      type: fc.constant("function"),
      function: fc.record(
        { name: fc.constantFrom("f", "get_weather"), parameters: fc.constantFrom(undefined, { type: "object", properties: { city: { type: "string" } } }, {}) },
        { requiredKeys: ["name"] },
      ),
    }),
    weight: 9,
  },
  fc.constant({ type: "custom", custom: { name: "x" } }),
);
const request = fc.record(
  {
    model: fc.constantFrom(...MODELS),
    messages: fc.array(message, { minLength: 1, maxLength: 6 }),
    max_tokens: fc.integer({ min: 1, max: 200_000 }),
    max_completion_tokens: fc.integer({ min: 1, max: 70_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 4 }), fc.constant(null)),
    n: fc.constantFrom(1, 1, 1, 1, 1, 1, 1, 2),
    user: fc.string(),
    reasoning_effort: fc.constantFrom("none", "minimal", "low", "medium", "high", "xhigh", "max", "bogus", null),
    tools: fc.array(tool, { maxLength: 2 }),
    tool_choice: fc.constantFrom("auto", "none", "required", { type: "function", function: { name: "f" } }, { type: "allowed_tools" }),
    parallel_tool_calls: fc.boolean(),
    response_format: fc.constantFrom(
      { type: "text" },
      { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
      { type: "json_schema", json_schema: { name: "y", schema: { type: "object" } } },
      { type: "json_object" },
    ),
    logprobs: fc.constantFrom(false, false, false, false, false, false, true),
    seed: fc.integer(),
  },
  { requiredKeys: ["model", "messages"] },
);

describe("any request the engine accepts", () => {
  test("translates, or is refused with a 400; what goes up follows the API's rules", () => {
    const refused = new Map<string, number>();
    let accepted = 0;
    fc.assert(
      fc.property(request, (body) => {
        fc.pre(ChatRequest.safeParse(body).success);
        let out;
        try {
          out = nativeRequest(body as ChatRequestBody, body.model, false);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          expect(toWire(e as ApiError).status).toBe(400);
          const param = toWire(e as ApiError).error.param!;
          // The oracle: the parameter named is in the request and holds a value Anthropic cannot take.
          expect(unsupportedAt(body, param)).toBe(true);
          const kind = param.replace(/\[\d+\]/g, "[]");
          refused.set(kind, (refused.get(kind) ?? 0) + 1);
          return;
        }
        accepted++;
        JSON.parse(JSON.stringify(out));
        const traits = modelTraits(body.model);
        expect(Number.isInteger(out.max_tokens) && out.max_tokens >= 1).toBe(true);
        out.messages.forEach((turn, i) => {
          expect(turn.content.length).toBeGreaterThan(0);
          if (i > 0) expect(turn.role).not.toBe(out.messages[i - 1]!.role);
          const kinds = turn.content.map((b) => b.type);
          const leading = turn.role === "user" ? ["tool_result"] : ["thinking", "redacted_thinking"];
          const firstOther = kinds.findIndex((k) => !leading.includes(k));
          if (firstOther !== -1) for (const k of kinds.slice(firstOther)) expect(leading).not.toContain(k);
          for (const block of turn.content) {
            if (block.type === "text") expect(block.text).toMatch(NON_BLANK);
            if (block.type === "tool_use") expect(block.input && typeof block.input === "object" && !Array.isArray(block.input)).toBe(true);
          }
        });
        for (const s of out.system ?? []) expect(s.text).toMatch(NON_BLANK);
        if (out.thinking?.type === "enabled") {
          expect(out.thinking.budget_tokens).toBeGreaterThanOrEqual(1024);
          expect(out.max_tokens).toBeGreaterThan(out.thinking.budget_tokens);
        }
        if (out.thinking) {
          expect(out.temperature).toBeUndefined();
          if (out.top_p !== undefined) expect(out.top_p).toBeGreaterThanOrEqual(0.95);
        }
        if (traits.rejectsSampling) expect(out.temperature === undefined && out.top_p === undefined).toBe(true);
        if (traits.oneSamplingParam) expect(out.temperature === undefined || out.top_p === undefined).toBe(true);
        if (out.tool_choice) expect(out.tools?.length).toBeGreaterThan(0);
      }),
      { numRuns: 1500 },
    );
    // Not vacuous: both outcomes happen, and refusals come from many different parameters.
    expect(accepted).toBeGreaterThan(50);
    expect([...refused.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
    expect(refused.size).toBeGreaterThanOrEqual(6);
  });
});

/** The value at a parameter path such as `messages[2].tool_calls[0].function.arguments`, or undefined. */
function valueAt(body: unknown, param: string): unknown {
  let value: any = body;
  for (const key of param.match(/[^.[\]]+/g) ?? []) value = value == null ? undefined : value[key];
  return value;
}

/**
 * An independent reading of what this generator can produce that Anthropic's API cannot take:
 * true when `param` names a value present in the request that is one of those.
 */
function unsupportedAt(body: any, param: string): boolean {
  const value = valueAt(body, param);
  if (value === undefined) return false;
  const traits = modelTraits(body.model);
  const isObjectText = (t: string) => {
    if (t.trim() === "") return true;
    try {
      const v = JSON.parse(t);
      return !!v && typeof v === "object" && !Array.isArray(v);
    } catch {
      return false;
    }
  };
  if (param === "n") return value !== 1;
  if (param === "logprobs") return value === true;
  if (param === "response_format") return (value as any).type === "json_object";
  if (param === "tool_choice") return body.tools?.length > 0 && (value as any)?.type === "allowed_tools";
  if (param === "top_p") return traits.oneSamplingParam && body.temperature !== undefined;
  if (param === "reasoning_effort") return value !== null;
  if (/^tools\[\d+\]\.type$/.test(param)) return value !== "function";
  if (/^messages\[\d+\]\.tool_calls\[\d+\]\.type$/.test(param)) return value !== "function";
  if (/^messages\[\d+\]\.tool_calls\[\d+\]\.function\.arguments$/.test(param)) return !isObjectText(value as string);
  if (/^messages\[\d+\]\.(tool_calls\[\d+\]\.)?thinking_blocks\[\d+\]$/.test(param)) return (value as any).type === "bogus";
  if (/^messages\[\d+\]\.content\[\d+\]\.type$/.test(param)) return value === "input_audio" || value === "refusal";
  if (/^messages\[\d+\]\.content\[\d+\]\.image_url\.url$/.test(param)) return String(value).startsWith("ftp:");
  if (/^messages\[\d+\]\.content$/.test(param)) return Array.isArray(value) && value.some((p: any) => p.type !== "text");
  return false;
}

// --- OpenAI conversation → Anthropic keeps every message ---------------------------------------

const word = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => NON_BLANK.test(s));
const jsonObject = fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.parse(JSON.stringify(o)));
/** One exchange: instructions, a user turn, or an assistant turn followed by its tool results. */
const exchange = fc.oneof(
  word.map((t) => [{ role: "system", content: t }]),
  word.map((t) => [{ role: "developer", content: [{ type: "text", text: t }] }]),
  word.map((t) => [{ role: "user", content: t }]),
  fc
    .record({
      text: fc.option(word, { nil: null }),
      calls: fc.array(fc.record({ name: fc.constantFrom("a", "b"), input: jsonObject, result: word }), { maxLength: 3 }),
    })
    .filter((a) => a.text !== null || a.calls.length > 0)
    .map((a) => {
      const ids = a.calls.map(() => `toolu_01${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`);
      const assistant: Record<string, unknown> = { role: "assistant", content: a.text };
      if (a.calls.length)
        assistant.tool_calls = a.calls.map((c, i) => ({ id: ids[i], type: "function", function: { name: c.name, arguments: JSON.stringify(c.input) } }));
      return [assistant, ...a.calls.map((c, i) => ({ role: "tool", tool_call_id: ids[i], content: c.result }))];
    }),
);

type Item = unknown[];

function openaiItems(messages: any[]): { system: string[]; items: Item[] } {
  const system: string[] = [];
  const items: Item[] = [];
  for (const m of messages) {
    const t = typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((p: any) => p.text).join("") : null;
    if (m.role === "system" || m.role === "developer") system.push(t);
    else if (m.role === "user") items.push(["user", t]);
    else if (m.role === "tool") items.push(["tool_result", m.tool_call_id, t]);
    else {
      if (t) items.push(["text", t]);
      for (const c of m.tool_calls ?? []) items.push(["tool_use", c.id, c.function.name, JSON.parse(c.function.arguments)]);
    }
  }
  return { system, items };
}

function nativeItems(req: ReturnType<typeof nativeRequest>): { system: string[]; items: Item[] } {
  const items: Item[] = [];
  for (const turn of req.messages) {
    for (const b of turn.content) {
      if (b.type === "text") items.push([turn.role === "user" ? "user" : "text", b.text]);
      if (b.type === "tool_use") items.push(["tool_use", b.id, b.name, b.input]);
      if (b.type === "tool_result") items.push(["tool_result", b.tool_use_id, b.content]);
    }
  }
  return { system: (req.system ?? []).map((s) => s.text), items };
}

describe("round trips", () => {
  test("OpenAI → Anthropic keeps every message, in order", () => {
    fc.assert(
      fc.property(fc.array(exchange, { minLength: 1, maxLength: 6 }), (exchanges) => {
        const messages = exchanges.flat();
        const req = nativeRequest({ model: "anthropic/claude-haiku-4-5", messages } as ChatRequestBody, "claude-haiku-4-5", false);
        expect(nativeItems(req)).toEqual(openaiItems(messages));
      }),
      { numRuns: 500 },
    );
  });

  // An answer Claude might give: thinking, text and tool uses, in the order the API produces them.
  const answer = fc.record({
    reasoning: fc.array(
      fc.oneof(
        fc.record({
          type: fc.constant("thinking" as const),
          thinking: fc.string({ maxLength: 20 }),
          signature: fc.base64String({ minLength: 4, maxLength: 24 }),
        }),
        fc.record({ type: fc.constant("redacted_thinking" as const), data: fc.base64String({ minLength: 4, maxLength: 24 }) }),
      ),
      { maxLength: 3 },
    ),
    texts: fc.array(word, { maxLength: 2 }),
    uses: fc.array(fc.record({ name: fc.constantFrom("a", "b"), input: jsonObject }), { maxLength: 3 }),
  });
  const blocksOf = (a: { reasoning: unknown[]; texts: string[]; uses: Array<{ name: string; input: unknown }> }) => [
    ...a.reasoning,
    ...a.texts.map((t: string) => ({ type: "text", text: t })),
    ...a.uses.map((u: any, i: number) => ({ type: "tool_use", id: `toolu_01X${i}`, name: u.name, input: u.input })),
  ];
  const responseText = (blocks: unknown[], stop: string) =>
    JSON.stringify({
      model: "claude-haiku-4-5-20251001",
      id: "msg_01P",
      type: "message",
      role: "assistant",
      content: blocks,
      stop_reason: stop,
      usage: { input_tokens: 3, output_tokens: 9 },
    });

  test("Anthropic answer → OpenAI message → sent back → the same blocks, thinking and signatures included", () => {
    fc.assert(
      fc.property(answer, (a) => {
        const blocks = blocksOf(a);
        const completion = parseResponse(responseText(blocks, a.uses.length ? "tool_use" : "end_turn"));
        const assistant = completion.choices[0]!.message;
        const calls = (assistant.tool_calls ?? []) as any[];
        const messages = [{ role: "user", content: "q" }, assistant, ...calls.map((c) => ({ role: "tool", tool_call_id: c.id, content: "ok" }))];
        const req = nativeRequest({ model: "x", messages } as ChatRequestBody, "claude-haiku-4-5", false);
        const sentBack = req.messages.find((m) => m.role === "assistant")?.content ?? [];
        const joined = a.texts.join("");
        const expected = [
          // Thinking can only travel on a tool call; an answer without tool calls leaves it behind, as the API allows.
          ...(a.uses.length ? a.reasoning : []),
          ...(joined ? [{ type: "text", text: joined }] : []),
          ...blocks.filter((b: any) => b.type === "tool_use"),
        ];
        expect(sentBack).toEqual(expected as any);
      }),
      { numRuns: 500 },
    );
  });

  test("the same answer streamed accumulates to what the full response says", () => {
    fc.assert(
      fc.property(answer, fc.integer({ min: 1, max: 7 }), (a, cut) => {
        const blocks = blocksOf(a);
        const stop = a.uses.length ? "tool_use" : "end_turn";
        const full = parseResponse(responseText(blocks, stop));
        const events = streamOf(blocks, stop, cut);
        const translator = new Translator();
        const chunks: ChatCompletionChunk[] = events.flatMap((e) => translated(translator, e)).map((sc) => sc.chunk);
        const acc = accumulate(chunks);
        const message = full.choices[0]!.message;
        expect(acc.content).toBe(message.content ?? "");
        expect(acc.reasoning).toBe((message.reasoning_content as string | undefined) ?? "");
        expect(acc.toolCalls).toEqual(
          ((message.tool_calls ?? []) as any[]).map((c) => ({ ...c, function: { ...c.function, arguments: JSON.parse(c.function.arguments) } })),
        );
        expect(acc.finish).toBe(full.choices[0]!.finish_reason);
        expect(chunks.at(-1)!.usage).toEqual(full.usage);
      }),
      { numRuns: 500 },
    );
  });
});

describe("stream frames", () => {
  test("a text delta's JSON text is exactly what JSON.stringify writes for its chunk, whatever the id, model and text", () => {
    const anyText = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom('"delta":{', '\\"}', "\u2028", "\ud800", "</script>"));
    fc.assert(
      fc.property(
        anyText,
        anyText,
        fc.array(
          anyText.filter((t) => t !== ""),
          { minLength: 1, maxLength: 5 },
        ),
        (id, model, texts) => {
          const translator = new Translator();
          const frames = [
            { type: "message_start", message: { id, model, content: [], usage: { input_tokens: 1, output_tokens: 1 } } },
            { type: "content_block_start", index: 0, content_block: { type: "text", text: texts[0] } },
            ...texts.slice(1).map((t) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } })),
          ].flatMap((e) => translated(translator, e));
          const texted = frames.filter((f) => f.raw !== undefined);
          expect(texted.map((f) => f.chunk.choices[0]!.delta.content)).toEqual(texts);
          for (const f of texted) expect(f.raw).toBe(JSON.stringify(f.chunk));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** The chunks one event becomes, sent as the SSE event the API writes. */
function translated(translator: Translator, event: any): StreamChunk[] {
  const out: StreamChunk[] = [];
  translator.translate({ event: event.type, data: JSON.stringify(event), id: undefined }, out);
  return out;
}

/** The documented event sequence for these blocks, with text, thinking and JSON cut into `cut`-sized deltas. */
function streamOf(blocks: any[], stop: string, cut: number): unknown[] {
  const pieces = (s: string) => s.match(new RegExp(`[\\s\\S]{1,${cut}}`, "g")) ?? [];
  const events: unknown[] = [
    { type: "message_start", message: { id: "msg_01P", model: "claude-haiku-4-5-20251001", content: [], usage: { input_tokens: 3, output_tokens: 1 } } },
  ];
  blocks.forEach((b, index) => {
    const delta = (d: unknown) => events.push({ type: "content_block_delta", index, delta: d });
    if (b.type === "thinking") {
      events.push({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const p of pieces(b.thinking)) delta({ type: "thinking_delta", thinking: p });
      delta({ type: "signature_delta", signature: b.signature });
    } else if (b.type === "redacted_thinking") {
      events.push({ type: "content_block_start", index, content_block: b });
    } else if (b.type === "text") {
      events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const p of pieces(b.text)) delta({ type: "text_delta", text: p });
    } else {
      events.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: b.id, name: b.name, input: {} } });
      const json = JSON.stringify(b.input);
      // The API streams nothing for an empty input.
      if (json !== "{}") for (const p of pieces(json)) delta({ type: "input_json_delta", partial_json: p });
    }
    events.push({ type: "content_block_stop", index });
    if (index === 0) events.push({ type: "ping" });
  });
  events.push({ type: "message_delta", delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 9 } });
  events.push({ type: "message_stop" });
  return events;
}

/** What the openai SDK's accumulator makes of the chunks: tool-call extras kept from the first delta. */
function accumulate(chunks: ChatCompletionChunk[]) {
  let content = "";
  let reasoning = "";
  let finish: string | null = null;
  const calls: any[] = [];
  for (const c of chunks) {
    const choice = c.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? "";
    reasoning += choice.delta.reasoning_content ?? "";
    finish = choice.finish_reason ?? finish;
    for (const d of (choice.delta.tool_calls ?? []) as any[]) {
      const { index, id, type, function: fn, ...rest } = d;
      const call = (calls[index] ??= { function: { name: "", arguments: "" } });
      Object.assign(call, rest);
      if (id) call.id = id;
      if (type) call.type = type;
      if (fn?.name) call.function.name = fn.name;
      call.function.arguments += fn?.arguments ?? "";
    }
  }
  const toolCalls = calls.map((c) => ({ ...c, function: { ...c.function, arguments: JSON.parse(c.function.arguments) } }));
  return { content, reasoning, finish, toolCalls };
}
