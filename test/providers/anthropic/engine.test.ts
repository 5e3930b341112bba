// The whole path: the official openai client → the engine (a real subprocess) → the Anthropic
// adapter → the fake Anthropic API, and back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { costUSD } from "../../../src/pricing/cost.ts";
import { anthropicError, overloaded, rateLimited, startFakeAnthropic, streamGate, type FakeAnthropic } from "../../fakes/anthropic-upstream.ts";
import { tempHome } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

let fake: FakeAnthropic;
let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // One try per request and no circuit breaking: each test sees exactly the upstream answer it scripted.
  writeFileSync(join(home, "config.json"), JSON.stringify({ routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1000, period_ms: 1 } } }));
  engine = await startEngine({ home, env: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: fake.apiKey } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const MODEL = "anthropic/claude-haiku-4-5";
const upstream = () => fake.requests.at(-1)!;
const upstreamBody = () => upstream().body as any;
const ask = (text: string) => [{ role: "user" as const, content: text }];
const tools = [
  {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Current weather",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
  { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
];
const nativeTools = [
  { name: "get_weather", description: "Current weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  { name: "get_time", input_schema: { type: "object", properties: { tz: { type: "string" } } } },
];

describe("text", () => {
  test("a plain question: the upstream request field by field, the answer in OpenAI's shape, usage and _cost", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "system", content: "Be brief." }, ...ask(question)], temperature: 0.3, stop: ["\n\n"], user: "u-1" })
      .withResponse();

    const seen = upstream();
    expect(seen.method).toBe("POST");
    expect(seen.path).toBe("/v1/messages");
    expect(seen.headers["x-api-key"]).toBe(fake.apiKey);
    expect(seen.headers["anthropic-version"]).toBe("2023-06-01");
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 64_000,
      messages: [{ role: "user", content: [{ type: "text", text: question }] }],
      system: [{ type: "text", text: "Be brief." }],
      temperature: 0.3,
      stop_sequences: ["\n\n"],
      metadata: { user_id: "u-1" },
    });

    expect(data.object).toBe("chat.completion");
    expect(data.id).toMatch(/^msg_01/);
    expect(data.model).toBe("claude-haiku-4-5-20251001");
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]!.message).toMatchObject({ role: "assistant", content: question });
    expect(data.choices[0]!.finish_reason).toBe("stop");
    const u = data.usage!;
    expect(u.completion_tokens).toBe(2); // the fake counts words: "hello", " <uuid>"
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    const x = data as any;
    expect(x._routing).toMatchObject({ alias: null, selected_model: MODEL, provider: "anthropic" });
    const expected = costUSD("anthropic", "claude-haiku-4-5", { input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens });
    expect(expected).toBeGreaterThan(0);
    expect(x._cost).toBeCloseTo(expected!, 12);
    expect(response.headers.get("x-opentracy-trace-id")).toBeTruthy();
  });

  test("the streamed text equals the non-streamed text; the last chunk carries usage and the extras", async () => {
    const question = `tell me ${crypto.randomUUID()} in several words please`;
    const full = await client.chat.completions.create({ model: MODEL, messages: ask(question) });
    const chunks = await Array.fromAsync<any>(await client.chat.completions.create({ model: MODEL, messages: ask(question), stream: true }));
    expect(upstreamBody().stream).toBe(true);
    for (const c of chunks) expect(c.choices.length).toBeGreaterThan(0);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(full.choices[0]!.message.content!);
    expect(chunks.length).toBeGreaterThan(5);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage).toEqual(full.usage);
    expect(last._cost).toBeCloseTo((full as any)._cost, 12);
    expect(last._routing.provider).toBe("anthropic");
  });

  test("cached input: prompt_tokens counts cache reads and writes, _cost prices each at its own rate", async () => {
    const usage = { input_tokens: 120, cache_read_input_tokens: 4000, cache_creation_input_tokens: 900, output_tokens: 40 };
    const expected = costUSD("anthropic", "claude-haiku-4-5", {
      input_tokens: 120 + 4000 + 900,
      output_tokens: 40,
      cache_read_tokens: 4000,
      cache_write_tokens: 900,
    });
    expect(expected).toBeGreaterThan(0);

    fake.script({ text: "cached answer", usage });
    const full = (await client.chat.completions.create({ model: MODEL, messages: ask("long document…") })) as any;
    expect(full.usage).toEqual({
      prompt_tokens: 5020,
      completion_tokens: 40,
      total_tokens: 5060,
      prompt_tokens_details: { cached_tokens: 4000, cache_write_tokens: 900 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(full._cost).toBeCloseTo(expected!, 12);
    // Priced as if uncached, the same call would cost more: the cache rates were applied.
    expect(full._cost).toBeLessThan(costUSD("anthropic", "claude-haiku-4-5", { input_tokens: 5020, output_tokens: 40 })!);

    fake.script({ text: "cached answer", usage });
    const chunks = await Array.fromAsync<any>(
      await client.chat.completions.create({ model: MODEL, messages: ask("long document…"), stream: true, stream_options: { include_usage: true } }),
    );
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens_details.cached_tokens).toBe(4000);
    expect(last._cost).toBeCloseTo(expected!, 12);
  });
});

describe("prompt caching", () => {
  // Past the 1,024-token minimum the fake (like the API) needs before it caches a prefix.
  const manual = "The manual, section by section. ".repeat(200);
  const cached = (question: string) => [
    { role: "system" as const, content: [{ type: "text" as const, text: manual, cache_control: { type: "ephemeral" } }] },
    { role: "user" as const, content: question },
  ];

  test("a breakpoint reaches Anthropic: the first call writes the cache, the next reads it, and _cost follows", async () => {
    const first = (await client.chat.completions.create({ model: MODEL, messages: cached("first question") as any })) as any;
    expect(upstreamBody().system[0].cache_control).toEqual({ type: "ephemeral" });
    expect(first.usage.prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1000);
    expect(first.usage.prompt_tokens_details.cached_tokens).toBe(0);

    const second = (await client.chat.completions.create({ model: MODEL, messages: cached("second question") as any })) as any;
    expect(second.usage.prompt_tokens_details.cached_tokens).toBe(first.usage.prompt_tokens_details.cache_write_tokens);
    expect(second.usage.prompt_tokens_details.cache_write_tokens).toBeUndefined(); // present only when there were writes
    // Cache reads cost a tenth of input, writes a premium over it: the second call is much cheaper.
    expect(second._cost).toBeLessThan(first._cost / 2);
  });

  test("automatic caching: a top-level cache_control reaches Anthropic, which caches the whole prompt", async () => {
    const messages = [{ role: "user" as const, content: `${manual} And a question.` }];
    const first = (await client.chat.completions.create({ model: MODEL, messages, cache_control: { type: "ephemeral" } } as any)) as any;
    expect(upstreamBody().cache_control).toEqual({ type: "ephemeral" });
    expect(first.usage.prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1000);
    const second = (await client.chat.completions.create({ model: MODEL, messages, cache_control: { type: "ephemeral" } } as any)) as any;
    expect(second.usage.prompt_tokens_details.cached_tokens).toBe(first.usage.prompt_tokens_details.cache_write_tokens);
  });

  test("more than four breakpoints: Anthropic's own 400 reaches the client", async () => {
    const part = (text: string) => ({ type: "text" as const, text, cache_control: { type: "ephemeral" } });
    const err: any = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: [part("a"), part("b"), part("c"), part("d"), part("e")] as any }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toContain("A maximum of 4 blocks with cache_control may be provided. Found 5.");
  });
});

describe("finish reasons", () => {
  test("max_tokens → length, a stop sequence → stop, a refusal → content_filter", async () => {
    const cut = await client.chat.completions.create({ model: MODEL, messages: ask("one two three four five"), max_tokens: 2 });
    expect(upstreamBody().max_tokens).toBe(2);
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(cut.choices[0]!.message.content).toBe("one two");

    const stopped = await client.chat.completions.create({ model: MODEL, messages: ask("alpha beta END gamma"), stop: "END" });
    expect(stopped.choices[0]!.finish_reason).toBe("stop");
    expect(stopped.choices[0]!.message.content).toBe("alpha beta ");

    fake.script({ text: "", stopReason: "refusal", stopDetails: { type: "refusal", category: "cyber", explanation: "Blocked by policy." } });
    const refused = await client.chat.completions.create({ model: MODEL, messages: ask("something bad") });
    expect(refused.choices[0]!.finish_reason).toBe("content_filter");
    expect(refused.choices[0]!.message.refusal).toBe("Blocked by policy.");
  });
});

describe("tools", () => {
  test("a two-step round trip: tool_calls with Anthropic's ids, then the results go back as tool_result blocks", async () => {
    fake.script({ text: "Let me check.", toolUses: [{ name: "get_weather", input: { city: "Paris" } }] });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools, tool_choice: "auto", parallel_tool_calls: false });
    expect(upstreamBody()).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 64_000,
      messages: [{ role: "user", content: [{ type: "text", text: "Weather in Paris?" }] }],
      tools: nativeTools,
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Let me check.");
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^toolu_01/);
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });

    fake.script({ text: "It is sunny in Paris." });
    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: "sunny, 21°C" });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools });
    expect(upstreamBody()).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 64_000,
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Let me check." },
            { type: "tool_use", id: call.id, name: "get_weather", input: { city: "Paris" } },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "sunny, 21°C" }] },
      ],
      tools: nativeTools,
    });
    expect(second.choices[0]!.message.content).toBe("It is sunny in Paris.");
    expect(second.choices[0]!.finish_reason).toBe("stop");
  });

  test("two parallel tool calls in one stream, each on its own index; both results go back in one user turn", async () => {
    fake.script({
      toolUses: [
        { name: "get_weather", input: { city: "Paris" } },
        { name: "get_time", input: { tz: "Europe/Paris" } },
      ],
    });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather and time" }];
    const stream = client.chat.completions.stream({ model: MODEL, messages, tools, tool_choice: "required" });
    const indexes = new Set<number>();
    stream.on("chunk", (c) => c.choices[0]?.delta.tool_calls?.forEach((t) => indexes.add(t.index)));
    const final = await stream.finalChatCompletion();
    expect(upstreamBody().tool_choice).toEqual({ type: "any" });
    expect([...indexes].sort()).toEqual([0, 1]);
    const calls = final.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((t) => [t.function.name, JSON.parse(t.function.arguments)])).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_time", { tz: "Europe/Paris" }],
    ]);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");

    fake.script({ text: "Sunny; it is 14:00." });
    messages.push(final.choices[0]!.message as OpenAI.ChatCompletionMessageParam);
    for (const c of calls) messages.push({ role: "tool", tool_call_id: c.id, content: `result of ${c.function.name}` });
    await client.chat.completions.create({ model: MODEL, messages, tools });
    expect(upstreamBody().messages[2]).toEqual({
      role: "user",
      content: calls.map((c) => ({ type: "tool_result", tool_use_id: c.id, content: `result of ${c.function.name}` })),
    });
  });
});

describe("reasoning", () => {
  test("reasoning_effort turns thinking on; the streamed thinking comes back signed on the tool call, and the upstream accepts it", async () => {
    fake.script({ thinking: "The user wants the weather; I will call the tool.", toolUses: [{ name: "get_weather", input: { city: "Oslo" } }] });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo?" }];
    const stream = client.chat.completions.stream({ model: MODEL, messages, tools, reasoning_effort: "low", temperature: 0.2, max_tokens: 1000 });
    let reasoning = "";
    stream.on("chunk", (c) => (reasoning += (c.choices[0]?.delta as any)?.reasoning_content ?? ""));
    const final = await stream.finalChatCompletion();
    const sent = upstreamBody();
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(sent.max_tokens).toBe(3048);
    expect(sent.temperature).toBeUndefined();
    expect(reasoning).toBe("The user wants the weather; I will call the tool.");
    expect(final.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);

    // The client sends the assistant message back exactly as the SDK accumulated it.
    const assistant = final.choices[0]!.message;
    const call = assistant.tool_calls![0] as any;
    expect(call.thinking_blocks).toHaveLength(1);
    expect(call.thinking_blocks[0]).toMatchObject({ type: "thinking", thinking: "The user wants the weather; I will call the tool." });
    fake.script({ thinking: "Now answer.", text: "Snowing in Oslo." });
    messages.push(assistant as OpenAI.ChatCompletionMessageParam, { role: "tool", tool_call_id: call.id, content: "snow" });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools, reasoning_effort: "low", max_tokens: 1000 });
    expect(second.choices[0]!.message.content).toBe("Snowing in Oslo.");
    expect((second.choices[0]!.message as any).reasoning_content).toBe("Now answer.");
    expect(upstreamBody().messages[1].content[0]).toEqual(call.thinking_blocks[0]);
  });

  test("an adaptive model gets adaptive thinking, a summarized display and an effort", async () => {
    fake.script({ thinking: "Deep thought.", text: "42" });
    const res = (await client.chat.completions.create({
      model: "anthropic/claude-opus-4-7",
      messages: ask("meaning of life?"),
      reasoning_effort: "high",
      temperature: 0.5,
    })) as any;
    const sent = upstreamBody();
    expect(sent.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(sent.output_config).toEqual({ effort: "high" });
    expect(sent.temperature).toBeUndefined();
    expect(sent.max_tokens).toBe(128_000);
    expect(res.choices[0].message.reasoning_content).toBe("Deep thought.");
  });
});

describe("errors", () => {
  test("an upstream 429 stays a 429 with its Retry-After, message and request id", async () => {
    fake.script(rateLimited(60));
    const err = await client.chat.completions.create({ model: MODEL, messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers.get("retry-after")).toBe("60");
    expect(err.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(err.error.type).toBe("rate_limit_error");
    expect(err.message).toContain("This request would exceed the rate limit for your organization");
    expect(err.requestID).toMatch(/^req_011C/);
  });

  test("a 529 stays a 529 overloaded_error", async () => {
    fake.script(overloaded());
    const err = await client.chat.completions.create({ model: MODEL, messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.error.type).toBe("overloaded_error");
    // The upstream's message, then which provider answered and at which URL.
    expect(err.error.message).toBe(`Overloaded (anthropic at ${fake.url}/v1/messages)`);
  });

  test("the upstream's own 400 reaches the client with its message", async () => {
    const err = await client.chat.completions.create({ model: MODEL, messages: ask("x"), temperature: 1.5 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("temperature: Input should be less than or equal to 1");
    fake.script(anthropicError(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."));
    const big = await client.chat.completions.create({ model: MODEL, messages: ask("x") }).catch((e) => e);
    expect(big.status).toBe(413);
    expect(big.error.type).toBe("request_too_large");
  });

  test("n > 1 is refused before anything is sent", async () => {
    const before = fake.requests.length;
    const err = await client.chat.completions.create({ model: MODEL, messages: ask("x"), n: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe("n");
    expect(fake.requests.length).toBe(before);
  });

  test("an error event mid-stream makes the openai client throw instead of ending quietly", async () => {
    fake.script({ text: "one two three four five six seven", failAfter: 5 });
    const stream = await client.chat.completions.create({ model: MODEL, messages: ask("x"), stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      try {
        for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? "");
      } catch (e) {
        return e as any;
      }
    })();
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain("Overloaded");
    expect(seen.join("")).toBe("one two");
  });

  test("a client that leaves mid-stream aborts the upstream request", async () => {
    const gate = streamGate({ initial: 3 });
    fake.script({ text: "one two three four five six", gate });
    const ac = new AbortController();
    const stream = await client.chat.completions.create({ model: MODEL, messages: ask("slow"), stream: true }, { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const aborted = fake.aborted();
    ac.abort();
    expect(((await aborted).body as any).messages[0].content[0].text).toBe("slow");
  });
});

describe("errors that say where to look", () => {
  test("a base URL with a stray /v1 gives a 404 that names the URL called and the fix", async () => {
    const e = await startEngine({ env: { ANTHROPIC_BASE_URL: `${fake.url}/v1`, ANTHROPIC_API_KEY: fake.apiKey } });
    try {
      const c = new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 });
      const err = await c.chat.completions.create({ model: MODEL, messages: ask("x") }).catch((x) => x);
      expect(err.status).toBe(404);
      expect(err.error.message).toContain(`(anthropic at ${fake.url}/v1/v1/messages)`);
      expect(err.error.message).toContain("ANTHROPIC_BASE_URL ends in /v1, but it is the API's root");
    } finally {
      await e.stop();
    }
  });

  test("a key the provider refuses is told apart from the engine refusing the caller", async () => {
    const e = await startEngine({ env: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: "sk-ant-wrong" } });
    try {
      const c = new OpenAI({ baseURL: e.baseURL, apiKey: "x", maxRetries: 0 });
      const err = await c.chat.completions.create({ model: MODEL, messages: ask("x") }).catch((x) => x);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(err.code).toBe("provider_key_rejected");
      expect(err.error.message).toStartWith("anthropic rejected the key from ANTHROPIC_API_KEY: ");
      expect(err.error.message).not.toContain("sk-ant-wrong");
    } finally {
      await e.stop();
    }
  });
});
