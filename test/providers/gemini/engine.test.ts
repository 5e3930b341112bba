// The whole path: the official `openai` client → the engine (a real subprocess) → the fake Gemini API.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { z } from "zod";
import { costUSD } from "../../../src/pricing/cost.ts";
import { OVERLOADED, rateLimited, startFakeGemini, type FakeGemini } from "../../fakes/gemini-upstream.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

let fake: FakeGemini;
let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeGemini();
  engine = await startEngine({ env: { GEMINI_BASE_URL: fake.url, GEMINI_API_KEY: fake.apiKey } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const lastUpstream = () => fake.requests.at(-1)!;
const ask = (text: string) => [{ role: "user" as const, content: text }];
const priced = (model: string, u: OpenAI.CompletionUsage) =>
  costUSD("gemini", model, {
    input_tokens: u.prompt_tokens,
    output_tokens: u.completion_tokens,
    cache_read_tokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  });

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather now",
      parameters: z.toJSONSchema(z.object({ city: z.string(), unit: z.enum(["c", "f"]).optional() })) as any,
    },
  },
  {
    type: "function",
    function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } }, required: ["tz"], additionalProperties: false } },
  },
];

describe("text", () => {
  test("non-stream: OpenAI's shape, the extras, cost from Gemini's usage; the key only in x-goog-api-key", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    const { data, response } = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask(question) }).withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("gemini-2.5-flash");
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0].message.content).toBe(question);
    expect(data.choices[0].finish_reason).toBe("stop");
    const x = data as any;
    expect(x._routing).toMatchObject({ alias: null, selected_model: "gemini/gemini-2.5-flash", provider: "gemini" });
    const u = data.usage!;
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    const expected = priced("gemini-2.5-flash", u);
    expect(expected).toBeGreaterThan(0);
    expect(x._cost).toBeCloseTo(expected!, 12);
    expect(response.headers.get("x-opentracy-trace-id")).toBeTruthy();

    const up = lastUpstream();
    expect(up.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(up.headers["x-goog-api-key"]).toBe(fake.apiKey);
    expect(up.headers.authorization).toBeUndefined();
    expect(up.body).toEqual({ contents: [{ role: "user", parts: [{ text: question }] }] });
  });

  test("Gemma: system messages open the first user turn (Gemma refuses systemInstruction)", async () => {
    const res = await client.chat.completions.create({ model: "gemini/gemma-3-27b-it", messages: [{ role: "system", content: "Be brief. " }, ...ask("hi")] });
    expect(res.choices[0].message.content).toBe("Be brief. hi");
    expect(lastUpstream().body).toEqual({ contents: [{ role: "user", parts: [{ text: "Be brief. " }, { text: "hi" }] }] });
  });

  test("a bare gemini model name routes to gemini", async () => {
    const res = (await client.chat.completions.create({ model: "gemini-2.5-flash", messages: ask("bare") })) as any;
    expect(res._routing.selected_model).toBe("gemini/gemini-2.5-flash");
  });

  test("stream text equals non-stream text; the last chunk carries usage and the extras", async () => {
    const question = "one two three four five six seven";
    const full = await client.chat.completions.create({ model: "gemini/gemini-3-pro-preview", messages: ask(question) });
    const stream = await client.chat.completions.create({ model: "gemini/gemini-3-pro-preview", messages: ask(question), stream: true });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    expect(lastUpstream().path).toBe("/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse");
    for (const c of chunks) expect(c.choices.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(full.choices[0].message.content!);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage).toEqual(full.usage);
    expect(last._cost).toBeCloseTo((full as any)._cost, 12);
    expect(last._routing.selected_model).toBe("gemini/gemini-3-pro-preview");
  });

  test("with include_usage the usage chunk comes last, with the extras", async () => {
    const stream = await client.chat.completions.create({
      model: "gemini/gemini-2.5-flash",
      messages: ask("usage please"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens).toBeGreaterThan(0);
    expect(last._cost).toBeCloseTo(priced("gemini-2.5-flash", last.usage)!, 12);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
  });
});

describe("tools", () => {
  test("a two-step round trip on Gemini 3: the call's thought signature goes back, the upstream body checked field by field", async () => {
    fake.script({ functionCalls: [{ name: "get_weather", args: { city: "Paris" }, thoughtSignature: "c2lnbmF0dXJlLTE=" }] });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "system", content: "Answer briefly." },
      { role: "user", content: "Weather in Paris?" },
    ];
    const first = await client.chat.completions.create({
      model: "gemini/gemini-3-pro-preview",
      messages,
      tools,
      tool_choice: "auto",
      temperature: 0.3,
      max_tokens: 200,
    });
    expect(first.choices[0].finish_reason).toBe("tool_calls");
    const msg = first.choices[0].message;
    expect(msg.content).toBeNull();
    const call = msg.tool_calls![0] as any;
    expect(call).toMatchObject({
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      extra_content: { google: { thought_signature: "c2lnbmF0dXJlLTE=" } },
    });
    expect(call.id).toMatch(/^call_/);
    expect(lastUpstream().body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Weather in Paris?" }] }],
      systemInstruction: { parts: [{ text: "Answer briefly." }] },
      tools: [
        {
          functionDeclarations: [
            {
              name: "get_weather",
              description: "Weather now",
              parameters: { type: "OBJECT", properties: { city: { type: "STRING" }, unit: { type: "STRING", enum: ["c", "f"] } }, required: ["city"] },
            },
            { name: "get_time", parameters: { type: "OBJECT", properties: { tz: { type: "STRING" } }, required: ["tz"] } },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "AUTO" } },
      generationConfig: { temperature: 0.3, maxOutputTokens: 200 },
    });

    fake.script({ text: "It is 21°C in Paris." });
    const second = await client.chat.completions.create({
      model: "gemini/gemini-3-pro-preview",
      messages: [...messages, msg, { role: "tool", tool_call_id: call.id, content: '{"temp_c":21}' }],
      tools,
    });
    expect(second.choices[0].message.content).toBe("It is 21°C in Paris.");
    expect(second.choices[0].finish_reason).toBe("stop");
    const body = lastUpstream().body;
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "c2lnbmF0dXJlLTE=" }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp_c: 21 } } }] },
    ]);
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Answer briefly." }] });
    expect(body.toolConfig).toBeUndefined();
  });

  test("without the signature Gemini 3 refuses the turn, and the client sees Gemini's reason", async () => {
    const err = await client.chat.completions
      .create({
        model: "gemini/gemini-3-pro-preview",
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
          },
          { role: "tool", tool_call_id: "call_x", content: "cold" },
        ],
        tools,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("Function call is missing a thought_signature");
  });

  test("two parallel calls in one stream, each on its own index; the SDK's accumulated message goes back as is", async () => {
    fake.script({
      functionCalls: [
        { name: "get_weather", args: { city: "Paris" }, thoughtSignature: "cGFyYWxsZWw=" },
        { name: "get_time", args: { tz: "Europe/Paris" } },
      ],
    });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather and time" }];
    const stream = client.chat.completions.stream({ model: "gemini/gemini-3-flash-preview", messages, tools });
    const indexes = new Set<number>();
    stream.on("chunk", (c) => c.choices[0]?.delta.tool_calls?.forEach((t) => indexes.add(t.index)));
    const final = await stream.finalChatCompletion();
    expect([...indexes].sort()).toEqual([0, 1]);
    const calls = final.choices[0].message.tool_calls! as any[];
    expect(calls.map((t) => [t.function.name, JSON.parse(t.function.arguments)])).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_time", { tz: "Europe/Paris" }],
    ]);
    expect(calls[0].extra_content).toEqual({ google: { thought_signature: "cGFyYWxsZWw=" } });
    expect(calls[1].extra_content).toBeUndefined();
    expect(final.choices[0].finish_reason).toBe("tool_calls");

    const answer = await client.chat.completions.create({
      model: "gemini/gemini-3-flash-preview",
      messages: [
        ...messages,
        final.choices[0].message as OpenAI.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: calls[1].id, content: "12:00" },
        { role: "tool", tool_call_id: calls[0].id, content: "sunny" },
      ],
      tools,
    });
    expect(answer.choices[0].message.content).toBe('Done: [{"result":"12:00"},{"result":"sunny"}]');
    const sent = lastUpstream().body.contents;
    expect(sent[1].parts[0]).toEqual({ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "cGFyYWxsZWw=" });
    expect(sent[2].parts.map((p: any) => p.functionResponse.name)).toEqual(["get_time", "get_weather"]);
  });

  test("tool_choice required and a named function", async () => {
    fake.script({ functionCalls: [{ name: "get_time", args: { tz: "UTC" } }], times: 2 });
    await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("t"), tools, tool_choice: "required" });
    expect(lastUpstream().body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    await client.chat.completions.create({
      model: "gemini/gemini-2.5-flash",
      messages: ask("t"),
      tools,
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    expect(lastUpstream().body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_time"] } });
  });
});

describe("usage, reasoning and finish reasons", () => {
  test("cached and thinking tokens: prompt includes the cache, completion includes the thinking, cost prices each", async () => {
    fake.script({ text: "cached answer", usage: { prompt: 20_000, cached: 15_000, candidates: 50, thoughts: 30 }, times: 2 });
    const res = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("long context") });
    expect(res.usage).toEqual({
      prompt_tokens: 20_000,
      completion_tokens: 80,
      total_tokens: 20_080,
      prompt_tokens_details: { cached_tokens: 15_000 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
    const expected = costUSD("gemini", "gemini-2.5-flash", { input_tokens: 20_000, output_tokens: 80, cache_read_tokens: 15_000, reasoning_tokens: 30 })!;
    const uncachedPrice = costUSD("gemini", "gemini-2.5-flash", { input_tokens: 20_000, output_tokens: 80 })!;
    expect(expected).toBeLessThan(uncachedPrice);
    expect((res as any)._cost).toBeCloseTo(expected, 12);

    const stream = await client.chat.completions.create({
      model: "gemini/gemini-2.5-flash",
      messages: ask("long context"),
      stream: true,
      stream_options: { include_usage: true },
    });
    let last: any;
    for await (const c of stream) last = c;
    expect(last.usage).toEqual(res.usage);
    expect(last._cost).toBeCloseTo(expected, 12);
  });

  test("reasoning_effort turns thinking on; thought summaries come back as reasoning_content", async () => {
    fake.script({ text: "42", thoughts: "Six times seven.", times: 2 });
    const res = (await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("6*7?"), reasoning_effort: "low" })) as any;
    expect(lastUpstream().body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(res.choices[0].message).toMatchObject({ content: "42", reasoning_content: "Six times seven." });
    expect(res.usage.completion_tokens_details.reasoning_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("6*7?"), reasoning_effort: "low", stream: true });
    let reasoning = "";
    let content = "";
    for await (const c of stream) {
      reasoning += (c.choices[0]?.delta as any)?.reasoning_content ?? "";
      content += c.choices[0]?.delta.content ?? "";
    }
    expect(reasoning).toBe("Six times seven.");
    expect(content).toBe("42");
  });

  test.each([
    ["MAX_TOKENS", "length", "cut sho"],
    ["SAFETY", "content_filter", undefined],
  ])("finishReason %s → %s, streamed or not", async (reason, expected, text) => {
    fake.script({ finishReason: reason, text, times: 2 });
    const res = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x") });
    expect(res.choices[0].finish_reason).toBe(expected as any);
    const stream = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x"), stream: true });
    let finish: string | null = null;
    for await (const c of stream) finish = c.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe(expected);
  });

  test("a blocked prompt is a 400 with code content_filter", async () => {
    fake.script({ promptBlocked: "SAFETY" });
    const err = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe("content_filter");
    expect(err.message).toContain("blockReason: SAFETY");
  });
});

describe("errors", () => {
  test("an upstream 429 stays a 429, with Retry-After from RetryInfo", async () => {
    fake.script(rateLimited("34.4s"));
    const err = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("35");
    expect(err.headers.get("retry-after-ms")).toBe("34400");
    expect(err.message).toContain("You exceeded your current quota");
  });

  test("an error mid-stream makes the openai client throw after the text it got", async () => {
    fake.script({ text: "one two three four five six", failAfter: { events: 1, error: OVERLOADED } });
    const stream = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x"), stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? "");
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain("The model is overloaded");
    expect(seen.join("")).toBe("one two ");
  });

  test("a stream cut off before its end makes the client throw too", async () => {
    fake.script({ text: "one two three four five six", cutAfter: 2 });
    const stream = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x"), stream: true });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain("before the answer was finished");
  });

  test("an unknown model is Gemini's 404", async () => {
    const err = await client.chat.completions.create({ model: "gemini/gemini-0-nope", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.message).toContain("models/gemini-0-nope is not found");
  });

  test("a request Gemini cannot honour is refused before it is sent", async () => {
    const before = fake.requests.length;
    const err = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x"), logprobs: true }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe("logprobs");
    expect(fake.requests.length).toBe(before);
  });
});

test("a wrong key is a 401 for the client", async () => {
  const other = await startEngine({ env: { GEMINI_BASE_URL: fake.url, GEMINI_API_KEY: "AIzaNotTheKey" } });
  try {
    const c = new OpenAI({ baseURL: other.baseURL, apiKey: "x", maxRetries: 0 });
    const err = await c.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.message).toContain("API key not valid");
  } finally {
    await other.stop();
  }
  // A second engine process starts here; give it room on a loaded machine.
}, 20_000);
