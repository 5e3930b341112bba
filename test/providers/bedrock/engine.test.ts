// The whole path: the official openai client → the real engine (a subprocess) → the Bedrock
// adapter → the SigV4-checking fake Bedrock Runtime, and back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { costUSD } from "../../../src/pricing/cost.ts";
import { startFakeBedrock, streamGate, throttled, type FakeBedrock } from "../../fakes/bedrock-upstream.ts";
import { tempHome } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const THINKING_MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
// No test may read the developer's real ~/.aws files.
const NO_AWS_FILES = { AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/opentracy-test/credentials", AWS_CONFIG_FILE: "/nonexistent/opentracy-test/config" };

let fake: FakeBedrock;
let engine: RunningEngine;
let client: OpenAI;
const extraEngines: RunningEngine[] = [];

beforeAll(async () => {
  fake = await startFakeBedrock();
  engine = await startEngine({
    env: {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url,
      AWS_ACCESS_KEY_ID: fake.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fake.credentials.secretAccessKey,
      AWS_REGION: fake.region,
      ...NO_AWS_FILES,
    },
  });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  for (const e of [engine, ...extraEngines]) await e?.stop();
  await fake?.close();
});

const ask = (text: string) => [{ role: "user" as const, content: text }];
const lastUpstream = () => fake.requests.at(-1)!;
const upstreamBody = () => lastUpstream().body as any;
const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const timeTool = { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } };

async function engineWith(env: Record<string, string>, home?: string): Promise<OpenAI> {
  const e = await startEngine({ env: { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url, ...NO_AWS_FILES, ...env }, home });
  extraEngines.push(e);
  return new OpenAI({ baseURL: e.baseURL, apiKey: "anything", maxRetries: 0 });
}

describe("text", () => {
  test("non-stream: the answer, usage with cache reads and writes, and _cost priced from them", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    fake.script({ usage: { inputTokens: 120, outputTokens: 25, cacheReadInputTokens: 300, cacheWriteInputTokens: 40 } });
    const res = (await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask(question) })) as any;
    expect(res.choices[0].message).toMatchObject({ role: "assistant", content: question });
    expect(res.choices[0].finish_reason).toBe("stop");
    expect(res.usage).toMatchObject({
      prompt_tokens: 460,
      completion_tokens: 25,
      total_tokens: 485,
      prompt_tokens_details: { cached_tokens: 300, cache_write_tokens: 40 },
    });
    const expected = costUSD("bedrock", MODEL, { input_tokens: 460, output_tokens: 25, cache_read_tokens: 300, cache_write_tokens: 40 });
    expect(expected).toBeGreaterThan(0);
    expect(res._cost).toBeCloseTo(expected!, 12);
    expect(res._routing).toMatchObject({ alias: null, selected_model: `bedrock/${MODEL}`, provider: "bedrock" });

    const seen = lastUpstream();
    expect(seen.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    expect(seen.signedBy).toBe(fake.credentials.accessKeyId);
    expect(seen.body).toEqual({ messages: [{ role: "user", content: [{ text: question }] }] });
  });

  test("cache_control reaches Bedrock as cachePoint blocks, signed, and Bedrock accepts them", async () => {
    fake.script({ usage: { inputTokens: 20, outputTokens: 5, cacheWriteInputTokens: 2000 } });
    const res = (await client.chat.completions.create({
      model: `bedrock/${MODEL}`,
      messages: [
        { role: "system", content: [{ type: "text", text: "a long manual", cache_control: { type: "ephemeral" } }] },
        { role: "user", content: "question", cache_control: { type: "ephemeral" } },
      ] as any,
    })) as any;
    expect(res.usage.prompt_tokens_details.cache_write_tokens).toBe(2000);
    expect(upstreamBody().system).toEqual([{ text: "a long manual" }, { cachePoint: { type: "default" } }]);
    expect(upstreamBody().messages[0].content).toEqual([{ text: "question" }, { cachePoint: { type: "default" } }]);
  });

  test("stream text equals non-stream text; the last chunk carries usage and the same _cost", async () => {
    const question = "the quick brown fox jumps over the lazy dog";
    const full = (await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask(question), max_tokens: 200 })) as any;
    const stream = await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask(question), max_tokens: 200, stream: true });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    expect(lastUpstream().operation).toBe("converse-stream");
    expect(upstreamBody()).toEqual({ messages: [{ role: "user", content: [{ text: question }] }], inferenceConfig: { maxTokens: 200 } });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.choices.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(full.choices[0].message.content);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage).toEqual(full.usage);
    expect(last._cost).toBeCloseTo(full._cost, 12);
  });

  test("with include_usage, the usage chunk has empty choices and the cached tokens", async () => {
    fake.script({ usage: { inputTokens: 10, outputTokens: 3, cacheReadInputTokens: 90 } });
    const stream = await client.chat.completions.create({
      model: `bedrock/${MODEL}`,
      messages: ask("a b c"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 90 } });
    expect(last._cost).toBeCloseTo(costUSD("bedrock", MODEL, { input_tokens: 100, output_tokens: 3, cache_read_tokens: 90 })!, 12);
  });
});

describe("tools", () => {
  test("two-step round trip: tool_calls out, tool results in, final answer; upstream bodies field by field", async () => {
    fake.script({ toolCalls: [{ name: "get_weather", input: { city: "Paris" }, id: "tooluse_paris01" }] });
    const messages: any[] = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Paris?" },
    ];
    const first = await client.chat.completions.create({
      model: `bedrock/${MODEL}`,
      messages,
      tools: [weatherTool],
      temperature: 0.2,
      max_completion_tokens: 300,
    });
    expect(first.choices[0].finish_reason).toBe("tool_calls");
    const assistant = first.choices[0].message;
    expect(assistant.content).toBeNull();
    expect(assistant.tool_calls).toEqual([{ id: "tooluse_paris01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    const toolSpec = { name: "get_weather", description: "Current weather in a city", inputSchema: { json: weatherTool.function.parameters } };
    expect(upstreamBody()).toEqual({
      messages: [{ role: "user", content: [{ text: "Weather in Paris?" }] }],
      system: [{ text: "You are terse." }],
      inferenceConfig: { maxTokens: 300, temperature: 0.2 },
      toolConfig: { tools: [{ toolSpec }], toolChoice: { auto: {} } },
    });

    messages.push(assistant, { role: "tool", tool_call_id: "tooluse_paris01", content: "18°C, sunny" });
    const second = await client.chat.completions.create({
      model: `bedrock/${MODEL}`,
      messages,
      tools: [weatherTool],
      temperature: 0.2,
      max_completion_tokens: 300,
    });
    expect(second.choices[0].message.content).toBe("Done: 18°C, sunny");
    expect(second.choices[0].finish_reason).toBe("stop");
    expect(upstreamBody()).toEqual({
      messages: [
        { role: "user", content: [{ text: "Weather in Paris?" }] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_paris01", name: "get_weather", input: { city: "Paris" } } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "tooluse_paris01", content: [{ text: "18°C, sunny" }] } }] },
      ],
      system: [{ text: "You are terse." }],
      inferenceConfig: { maxTokens: 300, temperature: 0.2 },
      toolConfig: { tools: [{ toolSpec }], toolChoice: { auto: {} } },
    });
  });

  test("two parallel tool calls in one stream keep their own index", async () => {
    fake.script({
      toolCalls: [
        { name: "get_weather", input: { city: "Paris" } },
        { name: "get_time", input: { tz: "Europe/Paris" } },
      ],
    });
    const stream = client.chat.completions.stream({
      model: `bedrock/${MODEL}`,
      messages: ask("weather and time"),
      tools: [weatherTool, timeTool],
      tool_choice: "required",
    });
    const idsByIndex = new Map<number, string>();
    stream.on("chunk", (c) => c.choices[0]?.delta.tool_calls?.forEach((t) => t.id && idsByIndex.set(t.index, t.id)));
    const final = await stream.finalChatCompletion();
    expect([...idsByIndex.keys()].sort()).toEqual([0, 1]);
    expect(idsByIndex.get(0)).not.toBe(idsByIndex.get(1));
    const calls = final.choices[0].message.tool_calls!.map((t: any) => [t.id, t.function.name, JSON.parse(t.function.arguments)]);
    expect(calls).toEqual([
      [idsByIndex.get(0), "get_weather", { city: "Paris" }],
      [idsByIndex.get(1), "get_time", { tz: "Europe/Paris" }],
    ]);
    expect(final.choices[0].finish_reason).toBe("tool_calls");
    expect(upstreamBody().toolConfig.toolChoice).toEqual({ any: {} });
  });

  test('tool_choice "none" with tool history: no toolConfig, history as text, and Bedrock accepts it', async () => {
    const res = await client.chat.completions.create({
      model: `bedrock/${MODEL}`,
      tools: [weatherTool],
      tool_choice: "none",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "tooluse_x", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "tooluse_x", content: "sunny" },
        { role: "user", content: "Summarise without tools." },
      ],
    });
    expect(res.choices[0].message.content).toBe("[tool result tooluse_x: sunny] Summarise without tools.");
    const body = upstreamBody();
    expect(body.toolConfig).toBeUndefined();
    expect(body.messages[1]).toEqual({ role: "assistant", content: [{ text: '[tool call tooluse_x: get_weather({"city":"Paris"})]' }] });
  });
});

describe("reasoning", () => {
  for (const mode of ["non-stream", "stream"] as const) {
    test(`${mode}: thinking comes back as reasoning_content and its signed block rides on the tool call back to Bedrock`, async () => {
      fake.script({ toolCalls: [{ name: "get_weather", input: { city: "Oslo" } }] });
      const messages: any[] = [{ role: "user", content: "Weather in Oslo?" }];
      const params = { model: `bedrock/${THINKING_MODEL}`, tools: [weatherTool], reasoning_effort: "low" as const };
      const first =
        mode === "stream"
          ? await client.chat.completions.stream({ ...params, messages }).finalChatCompletion()
          : await client.chat.completions.create({ ...params, messages });
      expect(upstreamBody().additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2048 } });
      expect(upstreamBody().inferenceConfig).toEqual({ maxTokens: 2048 + 4096 });
      const assistant = first.choices[0].message as any;
      if (mode === "non-stream") expect(assistant.reasoning_content).toBe("Thinking about: Weather in Oslo?");
      const carried = assistant.tool_calls[0].reasoning_blocks;
      expect(carried).toHaveLength(1);
      expect(carried[0].reasoningText.text).toBe("Thinking about: Weather in Oslo?");

      const callId = assistant.tool_calls[0].id;
      const followUp = [...messages, assistant, { role: "tool", tool_call_id: callId, content: "-3°C" }];
      const second = await client.chat.completions.create({ ...params, messages: followUp });
      expect(second.choices[0].message.content).toBe("Done: -3°C");
      expect(upstreamBody().messages[1].content[0]).toEqual({ reasoningContent: carried[0] });

      // Without the block, Anthropic (and so the fake) refuses the continuation: the carrying is what makes it work.
      const stripped = { ...assistant, tool_calls: assistant.tool_calls.map(({ reasoning_blocks: _, ...c }: any) => c) };
      const err = await client.chat.completions.create({ ...params, messages: [...messages, stripped, followUp[2]] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.message).toContain("must start with a thinking block");
    });
  }
});

describe("finish reasons", () => {
  test("max_tokens → length (non-stream); guardrail_intervened → content_filter (stream)", async () => {
    fake.script({ content: "cut short", stopReason: "max_tokens" });
    const res = await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("x"), max_tokens: 2 });
    expect(res.choices[0].finish_reason).toBe("length");
    fake.script({ content: "Sorry, the model cannot answer this question.", stopReason: "guardrail_intervened" });
    const final = await client.chat.completions.stream({ model: `bedrock/${MODEL}`, messages: ask("x") }).finalChatCompletion();
    expect(final.choices[0].finish_reason).toBe("content_filter");
  });
});

describe("errors", () => {
  test("an upstream 429 ThrottlingException stays a 429 with its Retry-After and message", async () => {
    fake.script(throttled({ retryAfter: "60" }));
    const err = await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers.get("retry-after")).toBe("60");
    expect(err.message).toContain("Too many requests, please wait before trying again.");
    expect(err.code).toBe("ThrottlingException");
  });

  test("a mid-stream exception frame makes the openai client throw, after the text it already got", async () => {
    fake.script({
      content: "alpha beta gamma delta epsilon",
      streamError: {
        afterFrames: 3,
        exceptionType: "modelStreamErrorException",
        message: "Model stream failed",
        originalStatusCode: 500,
        originalMessage: "overloaded",
      },
    });
    const stream = await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("x"), stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain("Model stream failed");
    expect(text).toBe("alpha beta");
  });

  test("a stream cut off before messageStop makes the client throw too", async () => {
    fake.script({ content: "one two three four", cutAfterFrames: 3 });
    const stream = await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("x"), stream: true });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain("before messageStop");
  });

  test("a request Converse cannot take is a 400 from the engine and never reaches Bedrock", async () => {
    const before = fake.requests.length;
    const err = await client.chat.completions
      .create({ model: `bedrock/${MODEL}`, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe("messages[0].content[0].image_url.url");
    expect(fake.requests.length).toBe(before);
  });

  test("Bedrock's own validation errors come back as 400 with its message", async () => {
    const err = await client.chat.completions
      .create({
        model: `bedrock/${MODEL}`,
        messages: [
          { role: "assistant", content: "I start" },
          { role: "user", content: "x" },
        ],
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("A conversation must start with a user message.");
    expect(err.code).toBe("ValidationException");
  });

  test("a client that disconnects mid-stream aborts the upstream request", async () => {
    const gate = streamGate({ initial: 2 });
    fake.script({ content: "one two three four five six", gate });
    const ac = new AbortController();
    const stream = await client.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("slow"), stream: true }, { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const aborted = fake.aborted();
    ac.abort();
    const seen = await aborted;
    expect((seen.body as any).messages[0].content[0].text).toBe("slow");
  });
});

describe("credentials", () => {
  test("a wrong secret key: Bedrock's InvalidSignatureException reaches the client as a 401 that names the provider and the key's source", async () => {
    const c = await engineWith({ AWS_ACCESS_KEY_ID: fake.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: "not-the-secret", AWS_REGION: fake.region });
    const err = await c.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.message).toContain("The request signature we calculated does not match the signature you provided.");
    expect(err.code).toBe("provider_key_rejected");
    expect(err.error.message).toStartWith("bedrock rejected the key from environment: ");
    expect(err.message).toContain("[InvalidSignatureException]");
    expect(err.message).toContain(`(bedrock at ${fake.url}/model/`);
  });

  test("no credentials at all: a 401 that says what to set, without calling Bedrock", async () => {
    const before = fake.requests.length;
    const c = await engineWith({});
    const err = await c.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.message).toContain("AWS_SECRET_ACCESS_KEY");
    expect(err.message).toContain("opentracy keys set bedrock");
    expect(fake.requests.length).toBe(before);
  });

  test("temporary credentials from secrets.json sign with their session token", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const t = fake.temporaryCredentials;
    writeFileSync(
      join(home, "secrets.json"),
      JSON.stringify({
        aws_access_key_id: t.accessKeyId,
        aws_secret_access_key: t.secretAccessKey,
        aws_session_token: t.sessionToken,
        aws_region: fake.region,
      }),
      { mode: 0o600 },
    );
    const c = await engineWith({}, home);
    const res = await c.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("from secrets") });
    expect(res.choices[0].message.content).toBe("from secrets");
    expect(lastUpstream().signedBy).toBe(t.accessKeyId);
    expect(lastUpstream().headers["x-amz-security-token"]).toBe(t.sessionToken!);
  });

  test("a profile in a shared credentials file, chosen with AWS_PROFILE", async () => {
    const dir = tempHome();
    mkdirSync(dir, { recursive: true });
    const credentials = join(dir, "credentials");
    const config = join(dir, "config");
    writeFileSync(
      credentials,
      `[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = wrong\n\n[work]\naws_access_key_id = ${fake.credentials.accessKeyId}\naws_secret_access_key = ${fake.credentials.secretAccessKey}\n`,
    );
    writeFileSync(config, `[profile work]\nregion = ${fake.region}\n`);
    const c = await engineWith({ AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config, AWS_PROFILE: "work" });
    const res = await c.chat.completions.create({ model: `bedrock/${MODEL}`, messages: ask("from a profile") });
    expect(res.choices[0].message.content).toBe("from a profile");
    expect(lastUpstream().signedBy).toBe(fake.credentials.accessKeyId);
  });
});

describe("model ids", () => {
  test("an inference-profile ARN reaches Bedrock exactly as written after bedrock/", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
    const res = (await client.chat.completions.create({ model: `bedrock/${arn}`, messages: ask("arn") })) as any;
    expect(res.choices[0].message.content).toBe("arn");
    expect(lastUpstream().modelId).toBe(arn);
    expect(res._routing.selected_model).toBe(`bedrock/${arn}`);
  });
});
