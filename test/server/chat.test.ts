import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { calcPrice } from "@pydantic/genai-prices";
import { rateLimited, startFakeOpenAI, streamGate, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { runCli } from "../helpers/cli.ts";

let fake: FakeOpenAI;
let engine: RunningEngine;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

const lastUpstream = () => fake.requests.at(-1)!;
const ask = (text: string) => [{ role: "user" as const, content: text }];

describe("non-stream", () => {
  test("answers in OpenAI's shape with the extras and a trace id header", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    const { data, response } = await client.chat.completions.create({ model: "openai/gpt-4o", messages: ask(question) }).withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0].message.content).toContain(question);
    expect(data.choices[0].finish_reason).toBe("stop");
    const x = data as any;
    expect(x._routing).toMatchObject({ alias: null, selected_model: "openai/gpt-4o", provider: "openai" });
    expect(x._routing.attempts).toHaveLength(1);
    expect(x._routing.attempts[0]).toMatchObject({ model: "openai/gpt-4o", status: 200, error_type: null });
    expect(typeof x._latency_ms).toBe("number");
    expect(x._latency_ms).toBeGreaterThan(0);
    const u = data.usage!;
    // The oracle is the price catalogue's own calculator, not the engine's pricing code.
    const expected = calcPrice(
      { input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens, cache_read_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
      "gpt-4o",
      { providerId: "openai" },
    )!.total_price;
    expect(expected).toBeGreaterThan(0);
    expect(x._cost).toBeCloseTo(expected, 12);
    expect(response.headers.get("x-opentracy-trace-id")).toMatch(/^[0-9a-f-]{36}$/);
    // the upstream received the model id as written after the first '/'
    expect((lastUpstream().body as any).model).toBe("gpt-4o");
  });

  test("every request field reaches the upstream untouched, only model is rewritten", async () => {
    const body = {
      model: "openai/gpt-4o-mini",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "weather?" }] },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' }, provider_extra: { sig: "abc" } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
      seed: 7,
      n: 1,
      logprobs: true,
      top_logprobs: 2,
      response_format: { type: "json_object" },
      reasoning_effort: "low",
      parallel_tool_calls: false,
      user: "user-42",
      metadata: { team: "a" },
      some_future_field: { nested: [1, { deep: true }], s: "x" },
    };
    await client.chat.completions.create(body as any);
    const sent = lastUpstream().body as any;
    expect(sent).toEqual({ ...body, model: "gpt-4o-mini" });
  });

  test("unknown fields in the upstream answer reach the client", async () => {
    fake.script({ extra: { top: { provider_meta: { region: "eu" } }, choice: { content_filter_results: { hate: false } }, message: { annotations: [] } } });
    const res = (await client.chat.completions.create({ model: "openai/gpt-4o", messages: ask("x") })) as any;
    expect(res.provider_meta).toEqual({ region: "eu" });
    expect(res.choices[0].content_filter_results).toEqual({ hate: false });
    expect(res.choices[0].message.annotations).toEqual([]);
  });

  test("an upstream 429 stays a 429 with its Retry-After and message", async () => {
    fake.script(rateLimited(60));
    const err = await client.chat.completions.create({ model: "openai/gpt-4o", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers.get("retry-after")).toBe("60");
    expect(err.headers.get("retry-after-ms")).toBe("60000");
    expect(err.message).toContain("Rate limit reached for gpt-4o");
    expect(err.code).toBe("rate_limit_exceeded");
  });

  test("an alias and a bare well-known name resolve to openai", async () => {
    // The running engine picks up config.json by itself, without a restart.
    const reloaded = engine.waitForLog(/settings reloaded/);
    const r = await runCli(["alias", "add", "smart", "openai/gpt-4.1", "--fallback", "openai/gpt-4o"], { home: engine.home });
    expect(r.code).toBe(0);
    await reloaded;
    const res = (await client.chat.completions.create({ model: "smart", messages: ask("hi") })) as any;
    expect(res._routing).toMatchObject({ alias: "smart", selected_model: "openai/gpt-4.1", provider: "openai" });
    expect((lastUpstream().body as any).model).toBe("gpt-4.1");
    const bare = (await client.chat.completions.create({ model: "gpt-4o-mini", messages: ask("hi") })) as any;
    expect(bare._routing).toMatchObject({ alias: null, selected_model: "openai/gpt-4o-mini" });
  });
});

describe("stream", () => {
  test("without include_usage: every chunk has choices, the last carries usage and extras", async () => {
    const question = `stream ${crypto.randomUUID()}`;
    const full = await client.chat.completions.create({ model: "openai/gpt-4o", messages: ask(question) });
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o", messages: ask(question), stream: true });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    expect((lastUpstream().body as any).stream_options).toEqual({ include_usage: true });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.choices.length).toBeGreaterThan(0);
    }
    const text = chunks.map((c) => c.choices[0].delta.content ?? "").join("");
    expect(text).toBe(full.choices[0].message.content!);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.completion_tokens).toBe(full.usage!.completion_tokens);
    expect(last._cost).toBeCloseTo((full as any)._cost, 12);
    expect(last._routing).toMatchObject({ alias: null, selected_model: "openai/gpt-4o", provider: "openai" });
    expect(typeof last._latency_ms).toBe("number");
    for (const c of chunks.slice(0, -1)) expect(c._cost).toBeUndefined();
  });

  test("with include_usage: the usage chunk carries the extras", async () => {
    const stream = await client.chat.completions.create({
      model: "openai/gpt-4o",
      messages: ask("usage please"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
    expect(last._routing.selected_model).toBe("openai/gpt-4o");
    expect(typeof last._cost).toBe("number");
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.filter((c) => c._cost !== undefined)).toHaveLength(1);
  });

  test("two parallel tool calls in one stream keep their own index", async () => {
    fake.script({
      toolCalls: [
        { name: "get_weather", arguments: { city: "Paris" } },
        { name: "get_time", arguments: { tz: "Europe/Paris" } },
      ],
    });
    const tools = [
      { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
      { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
    ];
    const stream = client.chat.completions.stream({ model: "openai/gpt-4o", messages: ask("weather and time"), tools });
    const indexes = new Set<number>();
    stream.on("chunk", (c) => c.choices[0]?.delta.tool_calls?.forEach((t) => indexes.add(t.index)));
    const final = await stream.finalChatCompletion();
    expect([...indexes].sort()).toEqual([0, 1]);
    const calls = final.choices[0].message.tool_calls!.map((t: any) => [t.function.name, JSON.parse(t.function.arguments)]);
    expect(calls).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_time", { tz: "Europe/Paris" }],
    ]);
    expect(final.choices[0].finish_reason).toBe("tool_calls");
  });

  test("a client that disconnects mid-stream aborts the upstream request", async () => {
    const gate = streamGate({ initial: 2 });
    fake.script({ content: "one two three four five six", gate });
    const ac = new AbortController();
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o", messages: ask("slow"), stream: true }, { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    const aborted = fake.aborted();
    ac.abort();
    const seen = await aborted;
    expect((seen.body as any).messages[0].content).toBe("slow");
  });
});

test("a client that disconnects before a non-stream answer aborts the upstream request", async () => {
  const gate = streamGate();
  fake.script({ gate });
  const ac = new AbortController();
  const pending = client.chat.completions.create({ model: "openai/gpt-4o", messages: ask("wait for it") }, { signal: ac.signal }).catch((e) => e);
  await gate.waiting();
  const aborted = fake.aborted();
  ac.abort();
  expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
  expect(((await aborted).body as any).messages[0].content).toBe("wait for it");
});

describe("errors in OpenAI's shape", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${engine.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  test("invalid JSON → 400", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    const body: any = await res.json();
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_json", param: null });
    expect(typeof body.error.message).toBe("string");
    expect(res.headers.get("x-opentracy-trace-id")).toBeTruthy();
  });

  test("schema error → 400 naming the field", async () => {
    const res = await post(JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: 5 }] }));
    expect(res.status).toBe(400);
    const { error }: any = await res.json();
    expect(error.param).toBe("messages[0].content");
    expect(error.message).toContain("messages[0].content");
    const empty = await post(JSON.stringify({ model: "openai/gpt-4o", messages: [] }));
    expect(((await empty.json()) as any).error.param).toBe("messages");
  });

  test("unknown model → 404 listing the accepted forms", async () => {
    const err = await client.chat.completions.create({ model: "no-such-model", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe("model_not_found");
    expect(err.message).toContain("provider/model");
    expect(err.message).toContain("alias");
  });

  test("no key for the provider → 401 saying how to add one", async () => {
    const err = await client.chat.completions.create({ model: "groq/llama-3.3-70b-versatile", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.message).toContain("opentracy keys set groq");
    expect(err.message).toContain("GROQ_API_KEY");
  });

  test("unknown path → 404 in OpenAI's shape", async () => {
    const res = await fetch(`${engine.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.type).toBe("invalid_request_error");
  });
});

describe("models and health", () => {
  test("/v1/models lists aliases and the models of providers with a key", async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain("smart");
    expect(ids).toContain("openai/gpt-4o");
    expect(ids.some((id) => id.startsWith("groq/"))).toBe(false);
  });

  test("/health answers", async () => {
    const res = await fetch(`${engine.url}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).status).toBe("ok");
  });
});
