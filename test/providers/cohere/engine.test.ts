// Cohere through the real engine, driven by the official openai client, against the Cohere fake.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { costUSD } from "../../../src/pricing/cost.ts";
import { rateLimited, startFakeCohere, type FakeCohere } from "../../fakes/cohere-upstream.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

let fake: FakeCohere;
let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeCohere();
  engine = await startEngine({ env: { COHERE_BASE_URL: fake.url, COHERE_API_KEY: fake.apiKey } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const MODEL = "command-a-03-2025";
const ask = (text: string) => [{ role: "user" as const, content: text }];
const lastUpstream = () => fake.requests.at(-1)!;
const tools = [
  {
    type: "function" as const,
    function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
  },
  { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
];

describe("text", () => {
  test("a plain question: OpenAI's shape, Cohere's request on the wire, usage priced from billed units", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    const data: any = await client.chat.completions.create({
      model: `cohere/${MODEL}`,
      messages: [{ role: "system", content: "be brief" }, ...ask(question)],
      temperature: 0.2,
    });
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe(MODEL);
    expect(data.choices[0].message).toEqual({ role: "assistant", content: question });
    expect(data.choices[0].finish_reason).toBe("stop");
    expect(data._routing).toMatchObject({ alias: null, selected_model: `cohere/${MODEL}`, provider: "cohere" });

    const seen = lastUpstream();
    expect(seen.path).toBe("/v2/chat");
    expect(seen.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(seen.body).toEqual({
      model: MODEL,
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: question },
      ],
      stream: false,
      temperature: 0.2,
    });

    const u = data.usage;
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    expect(u.prompt_tokens).toBe(u.cohere.billed_units.input_tokens);
    expect(u.completion_tokens).toBe(u.cohere.billed_units.output_tokens);
    expect(u.prompt_tokens_details.cached_tokens).toBe(0);
    expect(u.cohere.cached_tokens).toBeGreaterThan(u.prompt_tokens);
    const expected = costUSD("cohere", MODEL, { input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens });
    expect(expected).toBeGreaterThan(0);
    expect(data._cost).toBeCloseTo(expected!, 12);
  });

  test("streamed: the same text, every chunk with choices, the last with usage and the extras", async () => {
    const question = `stream ${crypto.randomUUID()} please`;
    const full: any = await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask(question) });
    const chunks = await Array.fromAsync<any>(await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask(question), stream: true }));
    expect((lastUpstream().body as any).stream).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.choices.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(full.choices[0].message.content);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.prompt_tokens).toBe(full.usage.prompt_tokens);
    expect(last.usage.completion_tokens).toBe(full.usage.completion_tokens);
    expect(last._cost).toBeCloseTo(full._cost, 12);
    expect(last._routing.provider).toBe("cohere");
    for (const c of chunks.slice(0, -1)) expect(c._cost).toBeUndefined();

    const withUsage = await Array.fromAsync<any>(
      await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask(question), stream: true, stream_options: { include_usage: true } }),
    );
    expect(withUsage.at(-1).choices).toEqual([]);
    expect(withUsage.at(-1).usage.total_tokens).toBe(full.usage.total_tokens);
    expect(withUsage.at(-2).choices[0].finish_reason).toBe("stop");
  });

  test("finish reasons: MAX_TOKENS → length, STOP_SEQUENCE → stop, TIMEOUT → length", async () => {
    for (const [native, openai] of [
      ["MAX_TOKENS", "length"],
      ["STOP_SEQUENCE", "stop"],
      ["TIMEOUT", "length"],
    ] as const) {
      fake.script({ content: "cut short", finishReason: native });
      const data = await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask("x"), max_tokens: 2, stop: ["END"] });
      expect(data.choices[0].finish_reason).toBe(openai);
    }
    expect(lastUpstream().body).toMatchObject({ max_tokens: 2, stop_sequences: ["END"] });
  });

  test("reasoning: thinking comes back as reasoning_content, and reasoning_effort turns it on", async () => {
    fake.script({ content: "4", thinking: "two and two make four" });
    const data: any = await client.chat.completions.create({ model: "cohere/command-a-reasoning-08-2025", messages: ask("2+2?"), reasoning_effort: "high" });
    expect(data.choices[0].message).toMatchObject({ content: "4", reasoning_content: "two and two make four" });
    expect((lastUpstream().body as any).thinking).toEqual({ type: "enabled" });
  });
});

describe("tools", () => {
  test("a two-step round trip: tool calls out, tool results back, a final answer; the upstream body field by field", async () => {
    fake.script({ toolPlan: "I will check the weather.", toolCalls: [{ name: "get_weather", arguments: { city: "Paris" }, id: "get_weather_abc123def456" }] });
    const first = await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask("weather in Paris?"), tools, tool_choice: "required" });
    const message = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe("tool_calls");
    expect(message.content).toBe("I will check the weather.");
    expect(message.tool_calls).toEqual([
      { id: "get_weather_abc123def456", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
    ]);
    expect(lastUpstream().body).toEqual({
      model: MODEL,
      messages: [{ role: "user", content: "weather in Paris?" }],
      stream: false,
      tools: [
        {
          type: "function",
          function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
        },
        { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
      ],
      tool_choice: "REQUIRED",
    });

    fake.script({ content: "It is sunny in Paris." });
    const second = await client.chat.completions.create({
      model: `cohere/${MODEL}`,
      messages: [...ask("weather in Paris?"), message, { role: "tool", tool_call_id: "get_weather_abc123def456", content: '{"sky":"sunny"}' }],
      tools,
    });
    expect(second.choices[0].message.content).toBe("It is sunny in Paris.");
    expect(second.choices[0].finish_reason).toBe("stop");
    const sent = lastUpstream().body as any;
    expect(sent.messages).toEqual([
      { role: "user", content: "weather in Paris?" },
      {
        role: "assistant",
        tool_calls: [{ id: "get_weather_abc123def456", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        tool_plan: "I will check the weather.",
      },
      { role: "tool", tool_call_id: "get_weather_abc123def456", content: '{"sky":"sunny"}' },
    ]);
    expect(sent.tool_choice).toBeUndefined();
  });

  test("two parallel tool calls in one stream, each on its own index, assembled by the SDK helper", async () => {
    fake.script({
      toolCalls: [
        { name: "get_weather", arguments: { city: "Paris" } },
        { name: "get_time", arguments: { tz: "Europe/Paris" } },
      ],
    });
    const stream = client.chat.completions.stream({ model: `cohere/${MODEL}`, messages: ask("weather and time"), tools });
    const indexes = new Set<number>();
    stream.on("chunk", (c) => c.choices[0]?.delta.tool_calls?.forEach((t) => indexes.add(t.index)));
    const final = await stream.finalChatCompletion();
    expect([...indexes].sort()).toEqual([0, 1]);
    const calls = final.choices[0].message.tool_calls!.map((t: any) => [t.function.name, JSON.parse(t.function.arguments), t.id]);
    expect(calls).toEqual([
      ["get_weather", { city: "Paris" }, expect.stringMatching(/^get_weather_[a-z0-9]{12}$/)],
      ["get_time", { tz: "Europe/Paris" }, expect.stringMatching(/^get_time_[a-z0-9]{12}$/)],
    ]);
    expect(final.choices[0].message.content).toBe("I will use the get_weather and get_time tools to answer.");
    expect(final.choices[0].finish_reason).toBe("tool_calls");
  });
});

describe("errors", () => {
  test("an upstream 429 stays a 429 with its Retry-After and Cohere's message", async () => {
    fake.script(rateLimited({ retryAfterSeconds: 60 }));
    const err = await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("60");
    expect(err.message).toContain("You are using a Trial key");
    expect(err.code).toBe("rate_limit_exceeded");
  });

  test("a generation that fails mid-stream makes the client throw instead of ending short", async () => {
    fake.script({ content: "one two three four five", failAfter: 4, errorText: "model overloaded" });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask("x"), stream: true }))
        seen.push(c.choices[0]?.delta.content ?? "");
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain("model overloaded");
    expect(seen.join("")).toBe("one two");

    fake.script({ content: "one two three four five", dropAfter: 4 });
    const cut = await Array.fromAsync<any>(await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask("x"), stream: true })).catch(
      (e) => e,
    );
    expect(cut).toBeInstanceOf(OpenAI.APIError);
    expect(cut.message).toContain("before its message-end");
  });

  test("what Cohere cannot do is a 400 naming the parameter, and nothing is sent upstream", async () => {
    const before = fake.requests.length;
    const err = await client.chat.completions.create({ model: `cohere/${MODEL}`, messages: ask("x"), n: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe("n");
    expect(fake.requests.length).toBe(before);
  });

  test("an unknown model is Cohere's 404 with its message", async () => {
    const err = await client.chat.completions.create({ model: "cohere/command-nope", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe("model_not_found");
    expect(err.message).toContain("model 'command-nope' not found");
  });
});
