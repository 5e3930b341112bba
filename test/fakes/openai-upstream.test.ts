// Drives the fake with the official openai client, so a test that passes against the fake is
// speaking the protocol the real SDK speaks; shapes are checked against the recorded responses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openAIError, rateLimited, startFakeOpenAI, streamGate, type FakeOpenAI } from "./openai-upstream";

// Real captures (fixtures/openai beside this file; their README has the provenance).
const RECORDED = join(import.meta.dir, "fixtures/openai");
const recordedCompletion = JSON.parse(readFileSync(join(RECORDED, "openai-text.json"), "utf8"));
const recordedChunks: any[] = readFileSync(join(RECORDED, "openai-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line));

/** The structure of a JSON value with its leaves reduced to their types; key order kept. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  }
  return value === null ? null : typeof value;
}

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0 });
});
afterAll(() => fake.close());

const said = () => `ping ${crypto.randomUUID()} over`;
const post = (body: unknown, init: { path?: string; key?: string | null; method?: string } = {}) =>
  fetch(`${fake.url}${init.path ?? "/chat/completions"}`, {
    method: init.method ?? "POST",
    headers: {
      "content-type": "application/json",
      ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? fake.apiKey}` }),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("non-stream", () => {
  test("answers like the recorded completion, echoing the last user message", async () => {
    const text = said();
    const { data, response, request_id } = await client.chat.completions
      .create({
        model: "gpt-4.1-nano",
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: [{ type: "text", text }] },
        ],
      })
      .withResponse();

    expect(data.choices[0].message.content).toBe(text);
    expect(data.model).toBe("gpt-4.1-nano-2025-04-14");
    expect(shape(data)).toEqual(shape(recordedCompletion));
    expect(Object.keys(data)).toEqual(Object.keys(recordedCompletion));
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);

    expect(response.headers.get("content-type")).toBe("application/json");
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(Number(response.headers.get("openai-processing-ms"))).toBeGreaterThan(0);
    for (const name of ["limit-requests", "limit-tokens", "remaining-requests", "remaining-tokens", "reset-requests", "reset-tokens"]) {
      expect(response.headers.get(`x-ratelimit-${name}`)).toBeTruthy();
    }
    const seen = fake.requests.at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect((seen.body as any).messages[1].content[0].text).toBe(text);
  });

  test("n > 1 gives one choice per n", async () => {
    const text = said();
    const data = await client.chat.completions.create({ model: "gpt-4o", n: 3, messages: [{ role: "user", content: text }] });
    expect(data.choices.map((choice) => [choice.index, choice.message.content])).toEqual([
      [0, text],
      [1, `${text} (choice 1)`],
      [2, `${text} (choice 2)`],
    ]);
  });

  test("unknown response fields reach the client", async () => {
    fake.script({
      content: "hi",
      extra: { top: { x_top: 1 }, choice: { x_choice: true }, message: { reasoning_content: "hmm" } },
    });
    const data: any = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] });
    expect(data.x_top).toBe(1);
    expect(data.choices[0].x_choice).toBe(true);
    expect(data.choices[0].message.reasoning_content).toBe("hmm");
  });

  test("scripted usage keeps total = prompt + completion", async () => {
    fake.script({ usage: { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 40, reasoning_tokens: 5 } });
    const data = await client.chat.completions.create({ model: "o4-mini", messages: [{ role: "user", content: "x" }] });
    expect(data.usage).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 7,
      total_tokens: 107,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 5 },
    });
  });
});

describe("stream", () => {
  test("without include_usage: role chunk, content chunks, finish chunk, no usage key", async () => {
    const text = said();
    const stream = await client.chat.completions.create({ model: "gpt-4.1-nano", stream: true, messages: [{ role: "user", content: text }] });
    const chunks: any[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.at(-1).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? "").join("")).toBe(text);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    const recordedKeys = Object.keys(recordedChunks[1]).filter((key) => key !== "usage");
    for (const chunk of chunks) {
      expect(Object.keys(chunk)).toEqual(recordedKeys);
      expect(chunk.choices).toHaveLength(1);
    }
    const { usage: _, ...contentChunkShape } = shape(recordedChunks[1]) as Record<string, unknown>;
    for (const chunk of chunks.slice(1, -1)) expect(shape(chunk)).toEqual(contentChunkShape);
  });

  test("with include_usage: usage null on every chunk, then a usage chunk with no choices, then [DONE]", async () => {
    const text = said();
    const response = await post({ model: "gpt-4.1-nano", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: text }] });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const raw = await response.text();
    const events = raw.split("\n\n").filter(Boolean);
    expect(events.every((event) => event.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)));

    expect(shape(chunks[0])).toEqual(shape(recordedChunks[0]));
    for (let i = 1; i < chunks.length - 2; i++) expect(shape(chunks[i])).toEqual(shape(recordedChunks[1]));
    expect(shape(chunks.at(-2))).toEqual(shape(recordedChunks.at(-2)));
    expect(shape(chunks.at(-1))).toEqual(shape(recordedChunks.at(-1)));
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(text);
  });

  test("include_obfuscation: false drops the obfuscation field", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      stream_options: { include_obfuscation: false },
      messages: [{ role: "user", content: "x" }],
    });
    for await (const chunk of stream) expect("obfuscation" in chunk).toBe(false);
  });

  test("two parallel tool calls stream the way OpenAI streams them and accumulate in the SDK helper", async () => {
    fake.script({
      toolCalls: [
        { name: "get_weather", arguments: { city: "Paris" }, id: "call_paris" },
        { name: "get_time", arguments: '{"zone":"Europe/Berlin"}' },
      ],
      extra: { toolCall: { provider_state: "opaque" } },
    });
    const stream = client.chat.completions.stream({
      model: "gpt-4o",
      messages: [{ role: "user", content: "weather and time?" }],
      tools: [
        { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
        { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string" } } } } },
      ],
    });
    const chunks: any[] = [];
    stream.on("chunk", (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();

    const choice = final.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls as any[];
    expect(calls.map((call) => [call.type, call.function.name, JSON.parse(call.function.arguments)])).toEqual([
      ["function", "get_weather", { city: "Paris" }],
      ["function", "get_time", { zone: "Europe/Berlin" }],
    ]);
    expect(calls[0].id).toBe("call_paris");
    expect(calls[1].id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(calls[0].provider_state).toBe("opaque");

    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const opening = toolDeltas.filter((delta) => "id" in delta);
    expect(opening).toEqual([
      { index: 0, id: "call_paris", type: "function", function: { name: "get_weather", arguments: "" }, provider_state: "opaque" },
      { index: 1, id: calls[1].id, type: "function", function: { name: "get_time", arguments: "" }, provider_state: "opaque" },
    ]);
    for (const delta of toolDeltas.filter((delta) => !("id" in delta))) {
      expect(Object.keys(delta)).toEqual(["index", "function"]);
      expect(Object.keys(delta.function)).toEqual(["arguments"]);
    }
    expect(chunks[0].choices[0].delta).toMatchObject({ role: "assistant", content: null, refusal: null });
    expect(chunks.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  test("n > 1 interleaves choices and the SDK helper accumulates each", async () => {
    const text = said();
    const final = await client.chat.completions.stream({ model: "gpt-4o", n: 2, messages: [{ role: "user", content: text }] }).finalChatCompletion();
    expect(final.choices.map((choice) => choice.message.content)).toEqual([text, `${text} (choice 1)`]);
    expect(final.choices.every((choice) => choice.finish_reason === "stop")).toBe(true);
  });
});

describe("errors", () => {
  test("a wrong key is OpenAI.AuthenticationError with code invalid_api_key", async () => {
    const wrong = new OpenAI({ baseURL: fake.url, apiKey: "sk-wrong-key-1234567890", maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("invalid_api_key");
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toContain("Incorrect API key provided: sk-wrong***********7890.");
  });

  test("no key is a 401 with code null", async () => {
    const response = await post({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }, { key: null });
    expect(response.status).toBe(401);
    const body: any = await response.json();
    expect(body.error.message).toStartWith("You didn't provide an API key.");
    expect(body.error).toMatchObject({ type: "invalid_request_error", param: null, code: null });
  });

  test("429 is RateLimitError carrying retry-after and retry-after-ms", async () => {
    fake.script(rateLimited(2));
    const error = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get("retry-after")).toBe("2");
    expect(error.headers.get("retry-after-ms")).toBe("2000");
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.type).toBe("requests");
    expect(error.message).toContain("Rate limit reached for gpt-4o-mini");
  });

  test("the SDK honours retry-after-ms and the next queued behaviour (a normal answer) follows", async () => {
    const before = fake.requests.length;
    fake.script(rateLimited(0.01));
    const retrying = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 1 });
    const data = await retrying.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "again" }] });
    expect(data.choices[0].message.content).toBe("again");
    expect(fake.requests.length - before).toBe(2);
  });

  test("a scripted error with its own status, body and headers", async () => {
    fake.script(openAIError(503, "The server is overloaded.", { type: "server_error", headers: { "x-custom": "1" } }));
    const error = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.error).toEqual({ message: "The server is overloaded.", type: "server_error", param: null, code: null });
    expect(error.headers.get("x-custom")).toBe("1");
  });

  test("unknown model is 404 model_not_found", async () => {
    const error = await client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.error).toEqual({
      message: "The model `gpt-nope` does not exist or you do not have access to it.",
      type: "invalid_request_error",
      param: null,
      code: "model_not_found",
    });
  });

  test.each([
    ["GET", "/chat/completions", "Invalid URL (GET /v1/chat/completions)"],
    ["POST", "/completions", "Invalid URL (POST /v1/completions)"],
  ])("%s %s is 404 Invalid URL", async (method, path, message) => {
    const response = await fetch(`${fake.url}${path}`, { method, headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { message, type: "invalid_request_error", param: null, code: null } });
  });

  test.each([
    ["not JSON", "{nope", null, null, "We could not parse the JSON body"],
    ["no model", { messages: [{ role: "user", content: "x" }] }, null, null, "you must provide a model parameter"],
    ["no messages", { model: "gpt-4o" }, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."],
    ["empty messages", { model: "gpt-4o", messages: [] }, "messages", "empty_array", "Invalid 'messages': empty array."],
    ["messages not an array", { model: "gpt-4o", messages: "hi" }, "messages", "invalid_type", "Invalid type for 'messages'"],
    ["bad role", { model: "gpt-4o", messages: [{ role: "bot", content: "x" }] }, "messages[0].role", "invalid_value", "Invalid value: 'bot'."],
    [
      "stream_options without stream",
      { model: "gpt-4o", messages: [{ role: "user", content: "x" }], stream_options: { include_usage: true } },
      "stream_options",
      null,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    ],
    ["n = 0", { model: "gpt-4o", n: 0, messages: [{ role: "user", content: "x" }] }, "n", "integer_below_min_value", "Invalid 'n'"],
  ])("%s is 400 invalid_request_error", async (_name, body, param, code, message) => {
    const before = fake.requests.length;
    const response = await post(body);
    expect(response.status).toBe(400);
    const { error }: any = await response.json();
    expect(error.message).toStartWith(message as string);
    expect(error).toMatchObject({ type: "invalid_request_error", param, code });
    expect(fake.requests.length).toBe(before + 1);
  });

  test("unknown request fields: accepted by default, rejected like the real API with acceptUnknown: false", async () => {
    const body = { model: "gpt-4o", messages: [{ role: "user", content: "x" }], future_field: { a: 1 }, another: true };
    expect((await post(body)).status).toBe(200);
    expect((fake.requests.at(-1)!.body as any).future_field).toEqual({ a: 1 });

    const strict = await startFakeOpenAI({ acceptUnknown: false, apiKey: "sk-strict" });
    try {
      const strictClient = new OpenAI({ baseURL: strict.url, apiKey: "sk-strict", maxRetries: 0 });
      const error = await strictClient.chat.completions
        .create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }], top_k: 3 } as any)
        .catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.error).toEqual({ message: "Unrecognized request argument supplied: top_k", type: "invalid_request_error", param: null, code: null });
      const two = await fetch(`${strict.url}/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-strict" },
        body: JSON.stringify(body),
      });
      expect(((await two.json()) as any).error.message).toBe("Unrecognized request arguments supplied: another, future_field");
    } finally {
      await strict.close();
    }
  });
});

describe("held responses and aborts", () => {
  test("a client that leaves mid-stream is seen as aborted", async () => {
    const gate = streamGate();
    fake.script({ content: "one two three four five", gate });
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }] },
      { signal: controller.signal },
    );
    await gate.waiting();
    gate.release(2);
    const stream = await pending;
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value!.choices[0].delta.role).toBe("assistant");
    expect((await iterator.next()).value!.choices[0].delta.content).toBe("one");
    await gate.waiting();
    expect(gate.sent).toBe(2);

    controller.abort();
    const aborted = await fake.aborted();
    expect(aborted.aborted).toBe(true);
    expect(aborted.path).toBe("/v1/chat/completions");
    expect(aborted).toBe(fake.requests.at(-1)!);
    expect(gate.sent).toBe(2);
  });

  test("a client that gives up on a held non-stream answer is seen as aborted", async () => {
    const gate = streamGate();
    fake.script({ gate });
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }, { signal: controller.signal })
      .catch((e) => e);
    await gate.waiting();
    controller.abort();
    expect((await fake.aborted()).aborted).toBe(true);
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
  });

  test("releaseAll lets a held stream finish normally, and it is not counted as aborted", async () => {
    const gate = streamGate();
    fake.script({ content: "a b c", gate });
    const pending = client.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }] });
    await gate.waiting();
    gate.releaseAll();
    let text = "";
    for await (const chunk of await pending) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("a b c");
    expect(fake.requests.at(-1)!.aborted).toBe(false);
  });
});
