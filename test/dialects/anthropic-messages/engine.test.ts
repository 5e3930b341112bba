// The whole path for Anthropic's Messages API: the official @anthropic-ai/sdk → the engine (a real
// subprocess) → the OpenAI fake or the Anthropic fake, and back; then the traces it wrote.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { overloaded, signThinking, startFakeAnthropic, type FakeAnthropic } from "../../fakes/anthropic-upstream.ts";
import { rateLimited, startFakeOpenAI, streamGate, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";
import { readTraces } from "../../helpers/traces.ts";

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let engine: RunningEngine;
let client: Anthropic;
const traceIds = new Map<string, string>();

beforeAll(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // One try per request and no circuit breaking: each test sees exactly the upstream answer it scripted.
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1000, period_ms: 1 } },
      aliases: { "claude-then-gpt": { targets: ["anthropic/claude-haiku-4-5", "openai/gpt-4o"] } },
    }),
  );
  engine = await startEngine({
    home,
    env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: openai.apiKey, ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.apiKey },
  });
  client = new Anthropic({ baseURL: engine.url, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  await openai?.close();
  await anthropic?.close();
});

const GPT = "openai/gpt-4o";
const CLAUDE = "anthropic/claude-haiku-4-5";
const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const lastOpenAIBody = () => openai.requests.at(-1)!.body as any;
const lastAnthropicBody = () => anthropic.requests.at(-1)!.body as any;

/** The raw SSE of a streamed request: [event name, parsed data] in order. */
async function rawEvents(body: Record<string, unknown>): Promise<Array<[string, any]>> {
  // Claude Code calls /v1/messages?beta=true, with betas the translated path does not forward.
  const res = await fetch(`${engine.url}/v1/messages?beta=true`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
    },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((f) => f.trim())
    .map((frame) => {
      const name = /^event: (.*)$/m.exec(frame)![1]!;
      const data = /^data: (.*)$/m.exec(frame)![1]!;
      return [name, JSON.parse(data)];
    });
}

describe("routed to an OpenAI-dialect target", () => {
  test("a whole answer: an Anthropic Message with usage and the extras; the upstream got the OpenAI request", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    openai.script({ usage: { prompt_tokens: 40, completion_tokens: 7, cached_tokens: 16 } });
    const { data, response } = await client.messages
      .create({
        model: GPT,
        max_tokens: 100,
        system: "Be brief.",
        messages: [{ role: "user", content: question }],
        temperature: 0.3,
        stop_sequences: ["END"],
        metadata: { user_id: "u-42" },
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    expect(data.id).toStartWith("msg_");
    expect(data.type).toBe("message");
    expect(data.role).toBe("assistant");
    expect(data.content).toEqual([{ type: "text", text: question }] as any);
    expect(data.stop_reason).toBe("end_turn");
    expect(data.usage).toMatchObject({ input_tokens: 24, cache_read_input_tokens: 16, cache_creation_input_tokens: 0, output_tokens: 7 });
    const extras = data as any;
    expect(typeof extras._cost).toBe("number");
    expect(extras._cost).toBeGreaterThan(0);
    expect(extras._latency_ms).toBeGreaterThan(0);
    expect(extras._routing).toMatchObject({ alias: null, selected_model: GPT, provider: "openai" });
    const sent = lastOpenAIBody();
    expect(sent.model).toBe("gpt-4o");
    expect(sent.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: question },
    ]);
    expect(sent).toMatchObject({ max_tokens: 100, temperature: 0.3, stop: ["END"], user: "u-42" });
    traceIds.set("plain", response.headers.get("x-opentracy-trace-id")!);
  });

  test("a stream: finalMessage() assembles the text; the raw events are Anthropic's sequence with the extras on message_delta", async () => {
    openai.script({ content: "one two three four five six" });
    const stream = client.messages.stream({ model: GPT, max_tokens: 100, messages: [{ role: "user", content: "count" }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "one two three four five six" }] as any);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.usage.input_tokens).toBeGreaterThan(0);

    openai.script({ content: "alpha beta" });
    const events = await rawEvents({ model: GPT, max_tokens: 100, messages: [{ role: "user", content: "x" }] });
    const names = events.map(([n]) => n);
    expect(names[0]).toBe("message_start");
    expect(names[1]).toBe("content_block_start");
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(new Set(names.slice(2, -3))).toEqual(new Set(["content_block_delta"]));
    for (const [name, data] of events) expect(data.type).toBe(name);
    expect(JSON.stringify(openai.requests.at(-1)!.headers)).not.toContain("interleaved-thinking");
    const text = events
      .filter(([n]) => n === "content_block_delta")
      .map(([, d]) => d.delta.text)
      .join("");
    expect(text).toBe("alpha beta");
    const delta = events.at(-2)![1];
    expect(delta.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null });
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
    expect(typeof delta._cost).toBe("number");
    expect(delta._routing.selected_model).toBe(GPT);
    expect(typeof delta._latency_ms).toBe("number");
  });

  test("a tool round trip: streamed tool_use with its arguments intact, tool_result back as an OpenAI tool message, then the answer", async () => {
    const input = { city: 'Oslo, "Norway" — ünïcødé', days: [1, 2, 3], nested: { deep: true } };
    openai.script({ toolCalls: [{ name: "get_weather", arguments: input, id: "call_abc123" }] });
    const first = await client.messages
      .stream({ model: GPT, max_tokens: 200, tools: [weather], tool_choice: { type: "any" }, messages: [{ role: "user", content: "weather?" }] })
      .finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;
    expect(use).toMatchObject({ id: "call_abc123", name: "get_weather", input });
    let sent = lastOpenAIBody();
    expect(sent.tool_choice).toBe("required");
    expect(sent.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Current weather", parameters: weather.input_schema } }]);

    openai.script({ content: "It is 3 degrees." });
    const second = await client.messages.create({
      model: GPT,
      max_tokens: 200,
      tools: [weather],
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: use.id, content: "3°C, snow" },
            { type: "text", text: "and?" },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "It is 3 degrees." }] as any);
    sent = lastOpenAIBody();
    expect(sent.messages[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_abc123", type: "function", function: { name: "get_weather" } }] });
    expect(JSON.parse(sent.messages[1].tool_calls[0].function.arguments)).toEqual(input);
    expect(sent.messages[2]).toEqual({ role: "tool", tool_call_id: "call_abc123", content: "3°C, snow" });
    expect(sent.messages[3]).toEqual({ role: "user", content: [{ type: "text", text: "and?" }] });
  });

  test("upstream errors in Anthropic's shape: 429 rate_limit_error with retry-after", async () => {
    openai.script(rateLimited(7));
    const err = await client.messages.create({ model: GPT, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(err.headers.get("retry-after")).toBe("7");
  });
});

describe("routed to Anthropic", () => {
  test("thinking with a tool call: signed thinking streams back and is accepted when sent back", async () => {
    const thought = "The user wants the weather; I will call the tool.";
    anthropic.script({ thinking: thought, text: "Let me check.", toolUses: [{ name: "get_weather", input: { city: "Oslo" } }] });
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "weather in Oslo?" }];
    const first = await client.messages
      .stream({ model: CLAUDE, max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 2048 }, tools: [weather], messages })
      .finalMessage();
    expect(lastAnthropicBody().thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(first.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(first.content[0]).toEqual({ type: "thinking", thinking: thought, signature: signThinking(thought) } as any);
    expect(first.id).toStartWith("msg_");

    const use = first.content[2] as Anthropic.ToolUseBlock;
    anthropic.script({ text: "Snowing in Oslo." });
    const second = await client.messages.create({
      model: CLAUDE,
      max_tokens: 4000,
      thinking: { type: "enabled", budget_tokens: 2048 },
      tools: [weather],
      messages: [
        ...messages,
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "snow" }] },
      ],
    });
    expect(second.content.at(-1)).toEqual({ type: "text", text: "Snowing in Oslo." } as any);
    const back = lastAnthropicBody().messages[1];
    expect(back.content[0]).toEqual({ type: "thinking", thinking: thought, signature: signThinking(thought) });
    expect(back.content.at(-1)).toMatchObject({ type: "tool_use", id: use.id, name: "get_weather", input: { city: "Oslo" } });
  });

  test("a whole answer with thinking and no tools keeps the signature; cache usage comes back in Anthropic's counts", async () => {
    anthropic.script({
      thinking: "Hmm.",
      text: "42",
      usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 5 },
    });
    const msg = await client.messages.create({
      model: CLAUDE,
      max_tokens: 4000,
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: [{ role: "user", content: "?" }],
    });
    expect(msg.content).toEqual([
      { type: "thinking", thinking: "Hmm.", signature: signThinking("Hmm.") },
      { type: "text", text: "42" },
    ] as any);
    expect(msg.usage).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 5 });
  });

  test("a Claude Code-shaped request: cache breakpoints on system, tools and the last turn reach Anthropic, and the second call reads the cache", async () => {
    const system: Anthropic.TextBlockParam[] = [
      { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: "text", text: `Instructions. ${"Follow the repository's conventions. ".repeat(200)}`, cache_control: { type: "ephemeral" } },
    ];
    const body = (question: string): Anthropic.MessageCreateParamsNonStreaming => ({
      model: CLAUDE,
      max_tokens: 2000,
      system,
      tools: [{ ...weather, cache_control: { type: "ephemeral" } }],
      metadata: { user_id: "user_abc_account_def_session_123" },
      messages: [{ role: "user", content: [{ type: "text", text: question, cache_control: { type: "ephemeral" } }] }],
    });
    const first = await client.messages.create(body("What does this repo do?"));
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1000);
    const sent = lastAnthropicBody();
    expect(sent.system[1].cache_control).toEqual({ type: "ephemeral" });
    expect(sent.tools[0]).toMatchObject({ name: "get_weather", cache_control: { type: "ephemeral" } });
    expect(sent.messages[0].content[0].cache_control).toEqual({ type: "ephemeral" });
    expect(sent.metadata).toEqual({ user_id: "user_abc_account_def_session_123" });
    const second = await client.messages.create(body("And its tests?"));
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(1000);
    expect((second as any)._cost).toBeLessThan((first as any)._cost);
  });

  test("an upstream 529 is 529 overloaded_error; a mid-stream failure is an error event", async () => {
    anthropic.script(overloaded());
    const err = await client.messages.create({ model: CLAUDE, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });

    anthropic.script({ text: "a long answer that breaks off", failAfter: 5 });
    const broken = await client.messages
      .stream({ model: CLAUDE, max_tokens: 100, messages: [{ role: "user", content: "hi" }] })
      .finalMessage()
      .catch((e) => e);
    expect(broken).toBeInstanceOf(Anthropic.APIError);
    expect(broken.error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });
});

describe("same dialect in and out: Anthropic targets get the request as the client wrote it", () => {
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${engine.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
      body: JSON.stringify(body),
    });

  test("body, anthropic-version and anthropic-beta forwarded; the answer is Anthropic's own with the extras; stop_sequence exact", async () => {
    const body = {
      model: CLAUDE,
      max_tokens: 50,
      top_k: 5,
      stop_sequences: ["STOP"],
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: { type: "text", media_type: "text/plain", data: "a doc" } },
            { type: "text", text: "one two STOP three" },
          ],
        },
      ],
    };
    anthropic.script({ text: "one two STOP three" });
    const res = await post(body, { "anthropic-beta": "context-1m-2025-08-07" });
    expect(res.status).toBe(200);
    const msg = (await res.json()) as any;
    const up = anthropic.requests.at(-1)!;
    expect(up.headers["anthropic-beta"]).toBe("context-1m-2025-08-07");
    expect(up.headers["anthropic-version"]).toBe("2023-06-01");
    expect(up.headers["x-api-key"]).toBe(anthropic.apiKey);
    expect(up.body).toEqual({ ...body, model: "claude-haiku-4-5" });
    expect(msg.stop_reason).toBe("stop_sequence");
    expect(msg.stop_sequence).toBe("STOP");
    expect(msg.content).toEqual([{ type: "text", text: "one two " }]);
    expect(msg.usage.service_tier).toBe("standard");
    expect(msg._routing).toMatchObject({ selected_model: CLAUDE, provider: "anthropic" });
    expect(typeof msg._cost).toBe("number");
  });

  test("a stream is Anthropic's own events (ping included), the extras on message_delta", async () => {
    anthropic.script({ thinking: "Plan.", text: "Done.", toolUses: [{ name: "get_weather", input: { city: "Oslo" } }] });
    const events = await rawEvents({
      model: CLAUDE,
      max_tokens: 3000,
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [weather],
      messages: [{ role: "user", content: "go" }],
    });
    const names = events.map(([n]) => n);
    expect(names).toContain("ping");
    expect(names.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(events.filter(([, d]) => d.delta?.type === "signature_delta").map(([, d]) => d.delta.signature)).toEqual([signThinking("Plan.")]);
    const delta = events.at(-2)![1];
    expect(delta.delta.stop_reason).toBe("tool_use");
    expect(delta._routing.provider).toBe("anthropic");
    expect(typeof delta._cost).toBe("number");
    expect(delta._cost).toBeGreaterThan(0);
  });

  test("a fallback from Anthropic to OpenAI translates; a request only Anthropic could take is a 400 elsewhere", async () => {
    anthropic.script(overloaded());
    openai.script({ content: "from gpt" });
    const msg = await client.messages.create({ model: "claude-then-gpt", max_tokens: 20, messages: [{ role: "user", content: "hi" }] });
    expect(msg.content).toEqual([{ type: "text", text: "from gpt" }] as any);
    expect((msg as any)._routing).toMatchObject({ alias: "claude-then-gpt", selected_model: GPT });
    expect((msg as any)._routing.attempts.map((a: any) => [a.model, a.status])).toEqual([
      [CLAUDE, 529],
      [GPT, 200],
    ]);

    const doc = { type: "document", source: { type: "text", media_type: "text/plain", data: "d" } };
    const res = await post({ model: GPT, max_tokens: 5, messages: [{ role: "user", content: [doc] }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ type: "invalid_request_error" });
    expect(
      ((await (await post({ model: CLAUDE, max_tokens: 5, messages: [{ role: "user", content: [doc, { type: "text", text: "sum up" }] }] })).json()) as any)
        .type,
    ).toBe("message");
  });
});

describe("the engine's own errors in Anthropic's shape", () => {
  test("a bad request is a 400 invalid_request_error naming the field (the SDK's BadRequestError)", async () => {
    const err = await client.messages.create({ model: GPT, messages: [{ role: "user", content: "hi" }] } as any).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(err.error.error.message).toContain("max_tokens");
  });

  test("an unknown model is a 404 not_found_error", async () => {
    const err = await client.messages.create({ model: "nosuchprovider/model-x", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  test("a server tool is refused with a 400 naming it, not dropped", async () => {
    const err = await client.messages
      .create({ model: GPT, max_tokens: 5, tools: [{ type: "web_search_20250305", name: "web_search" } as any], messages: [{ role: "user", content: "hi" }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error.error.message).toContain("web_search_20250305");
  });
});

describe("the engine at its concurrency limit", () => {
  test("is 529 overloaded_error with retry-after, Anthropic's 'try again shortly'", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: { max_concurrent_requests: 1 } }));
    const e = await startEngine({ home, env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: openai.apiKey } });
    const gate = streamGate();
    openai.script({ content: "held", gate });
    try {
      const c = new Anthropic({ baseURL: e.url, apiKey: "anything", maxRetries: 0 });
      const held = c.messages.create({ model: GPT, max_tokens: 5, messages: [{ role: "user", content: "first" }] });
      await gate.waiting();
      const err = await c.messages.create({ model: GPT, max_tokens: 5, messages: [{ role: "user", content: "second" }] }).catch((x) => x);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect(err.status).toBe(529);
      expect(err.error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
      expect(err.headers.get("retry-after")).toBe("1");
      gate.releaseAll();
      expect((await held).content).toEqual([{ type: "text", text: "held" }] as any);
    } finally {
      gate.releaseAll();
      await e.stop();
    }
  });
});

describe("count_tokens", () => {
  test("an estimate that grows with the prompt; an unknown model is a 404", async () => {
    const small = await client.messages.countTokens({ model: GPT, messages: [{ role: "user", content: "hi" }] });
    const big = await client.messages.countTokens({ model: GPT, system: "x".repeat(3500), messages: [{ role: "user", content: "hi" }], tools: [weather] });
    expect(small.input_tokens).toBeGreaterThan(0);
    expect(big.input_tokens).toBeGreaterThan(small.input_tokens + 999);
    const err = await client.messages.countTokens({ model: "nosuchprovider/x", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("auth with engine tokens", () => {
  test("x-api-key or Bearer with a token passes; a wrong one is 401 authentication_error", async () => {
    const home = tempHome();
    const made = await runCli(["tokens", "create", "--name", "claude-code"], { home });
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    const e = await startEngine({ home, env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: openai.apiKey } });
    try {
      const viaBearer = new Anthropic({ baseURL: e.url, authToken: token, apiKey: null, maxRetries: 0 });
      expect((await viaBearer.messages.create({ model: GPT, max_tokens: 5, messages: [{ role: "user", content: "hi" }] })).type).toBe("message");
      const viaKey = await fetch(`${e.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": token, "content-type": "application/json" },
        body: JSON.stringify({ model: GPT, max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(viaKey.status).toBe(200);
      expect(((await viaKey.json()) as any).type).toBe("message");
      const wrong = new Anthropic({ baseURL: e.url, apiKey: "ot-wrong-token", maxRetries: 0 });
      const err = await wrong.messages.create({ model: GPT, max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((x) => x);
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(err.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    } finally {
      await e.stop();
    }
  });
});

describe("traces", () => {
  test("each call is traced with api: messages, the route and usage", async () => {
    expect(await engine.stop()).toBe(0);
    const traces = readTraces(engine.home);
    expect(traces.length).toBeGreaterThan(5);
    expect(traces.every((t) => t.api === "messages")).toBe(true);
    const plain = traces.find((t) => t.id === traceIds.get("plain"))!;
    expect(plain).toMatchObject({
      api: "messages",
      requested_model: GPT,
      selected_model: GPT,
      status: "ok",
      http_status: 200,
      input_tokens: 40,
      output_tokens: 7,
      cached_tokens: 16,
    });
    expect(traces.some((t) => t.http_status === 529 && t.status === "error")).toBe(true);
    expect(traces.some((t) => t.stream && t.finish_reason === "tool_calls" && t.tool_calls === 1)).toBe(true);
  });
});
