// Record and replay through the real engine: `serve --record DIR` in front of the OpenAI and
// Anthropic fakes, then the fakes stopped and `serve --replay DIR` with no keys, answering the
// same requests from the cassette with the same bytes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-upstream.ts";
import { startFakeOpenAI, streamGate, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { tempHome } from "../helpers/cli.ts";
import { eventually } from "../helpers/clickhouse.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let dir: string;

function homeWithOneTry(): string {
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ routing: { retry: { max_attempts: 1 } } }));
  return home;
}

const GPT = "openai/gpt-4o-mini";
const CLAUDE = "anthropic/claude-haiku-4-5";
const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
const ask = (content: string) => [{ role: "user" as const, content }];

/** A request's raw answer: status and body text, as a client reads it off the wire. */
async function raw(engine: RunningEngine, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${engine.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer anything", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/**
 * SSE frames, with what differs from one run to the next by nature taken out: the extras' latency
 * and routing, and in a translated stream `created` (the translation's clock, not the upstream's).
 */
function frames(text: string, translated = false): string[] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((f) => (f.includes('"_latency_ms"') ? stable(f) : translated ? f.replace(/"created":\d+,/, "") : f));
}

function stable(frame: string): string {
  const at = frame.indexOf("data: ");
  const data = JSON.parse(frame.slice(at + 6));
  // The Responses API carries the extras on its `response`.
  for (const o of [data, data.response ?? {}]) {
    delete o._latency_ms;
    delete o._routing;
    delete o.created;
  }
  return frame.slice(0, at + 6) + JSON.stringify(data);
}

function comparable(completion: Record<string, unknown>): Record<string, unknown> {
  const { _latency_ms, _routing, created, ...rest } = completion;
  return rest;
}

/** What each request got while recording, to compare with its replay. */
const recorded: Record<string, unknown> = {};
/** The arrival times of a gated stream's frames as recorded, for the timing test. */
let gapRecorded = 0;

const requests = {
  gptWhole: { model: GPT, messages: ask("cassette whole answer") },
  gptToolStream: { model: GPT, messages: ask("cassette weather?"), tools, stream: true },
  claudeWhole: { model: CLAUDE, messages: ask("cassette claude whole") },
  claudeStream: { model: CLAUDE, messages: ask("cassette claude stream"), stream: true },
  messagesToolStream: {
    model: CLAUDE,
    max_tokens: 100,
    stream: true,
    messages: ask("cassette native tool stream"),
    tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
  },
  twice: { model: GPT, messages: ask("cassette asked twice") },
  embeddings: { model: "openai/text-embedding-3-small", input: ["cassette one", "cassette two"] },
  responsesStream: { model: GPT, input: "cassette responses stream", stream: true },
  gapped: { model: GPT, messages: ask("cassette with a pause"), stream: true },
};

beforeAll(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  dir = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-")), "cassette");
  const recorder = await startEngine({
    home: homeWithOneTry(),
    env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: openai.apiKey, ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.apiKey },
    args: ["--record", dir],
  });
  try {
    expect(recorder.stderr()).toContain(`recording every upstream answer to the cassette ${dir}`);
    const client = new OpenAI({ baseURL: recorder.baseURL, apiKey: "anything", maxRetries: 0 });
    recorded.gptWhole = await client.chat.completions.create(requests.gptWhole);
    openai.script({ toolCalls: [{ name: "get_weather", arguments: { city: "Lisbon" } }] });
    recorded.gptToolStream = await raw(recorder, "/v1/chat/completions", requests.gptToolStream);
    recorded.claudeWhole = await client.chat.completions.create(requests.claudeWhole);
    recorded.claudeStream = await raw(recorder, "/v1/chat/completions", requests.claudeStream);
    anthropic.script({ toolUses: [{ name: "get_weather", input: { city: "Porto" } }] });
    recorded.messagesToolStream = await raw(recorder, "/v1/messages", requests.messagesToolStream, { "anthropic-version": "2023-06-01" });
    openai.script({ content: "the first answer" });
    openai.script({ content: "the second answer" });
    recorded.twice = [await client.chat.completions.create(requests.twice), await client.chat.completions.create(requests.twice)];
    recorded.embeddings = await client.embeddings.create(requests.embeddings);
    recorded.responsesStream = await raw(recorder, "/v1/responses", requests.responsesStream);

    // A stream that pauses: the fake holds its second event until 200 ms after the first was let out.
    const gate = streamGate({ initial: 1 });
    openai.script({ content: "one two three", gate });
    const answer = raw(recorder, "/v1/chat/completions", requests.gapped);
    await gate.waiting();
    await Bun.sleep(200); // the pause being recorded, not a wait for anything
    gate.releaseAll();
    recorded.gapped = await answer;
    // Recordings are written once each answer has ended, in the background.
    await eventually(() => readdirSync(dir).filter((f) => f.endsWith(".json")).length === 9 || undefined, 10_000, "9 cassette files");
  } finally {
    await recorder.stop();
  }
  await openai.close();
  await anthropic.close();
  const gapped = cassetteFiles().find((c) => c.request.body.messages?.[0]?.content === "cassette with a pause")!;
  const ms = gapped.answers[0].chunks.map((c: { ms: number }) => c.ms);
  gapRecorded = Math.max(...ms.slice(1).map((m: number, i: number) => m - ms[i]));
});

function cassetteFiles(): any[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
}

/** A replaying engine with the fakes gone: nothing listens at the base URLs, and no key is set. */
function startReplay(args: string[] = []): Promise<RunningEngine> {
  return startEngine({
    home: homeWithOneTry(),
    env: { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", ANTHROPIC_BASE_URL: "http://127.0.0.1:9" },
    args: ["--replay", dir, ...args],
  });
}

describe("replayed with the fakes stopped and no keys", () => {
  let engine: RunningEngine;
  let client: OpenAI;
  beforeAll(async () => {
    engine = await startReplay();
    client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
  });
  afterAll(() => engine?.stop());

  test("the start-up summary says the engine replays, from where, and how many requests", () => {
    expect(engine.stderr()).toContain(`replaying upstream answers from the cassette ${dir} (9 recorded requests, timing none)`);
  });

  test("whole answers come back equal through the openai SDK, OpenAI's and Anthropic's", async () => {
    expect(comparable((await client.chat.completions.create(requests.gptWhole)) as any)).toEqual(comparable(recorded.gptWhole as any));
    const claude = comparable((await client.chat.completions.create(requests.claudeWhole)) as any);
    expect(claude).toEqual(comparable(recorded.claudeWhole as any));
    expect((claude as any).choices[0].message.content).toBe("cassette claude whole");
  });

  test("streams come back frame for frame: OpenAI's tool call, Anthropic's translated, Anthropic's own Messages stream, OpenAI's Responses stream", async () => {
    const tool = await raw(engine, "/v1/chat/completions", requests.gptToolStream);
    expect(tool.status).toBe(200);
    expect(tool.text).toContain("get_weather");
    expect(frames(tool.text)).toEqual(frames((recorded.gptToolStream as any).text));

    const claude = await raw(engine, "/v1/chat/completions", requests.claudeStream);
    expect(frames(claude.text, true)).toEqual(frames((recorded.claudeStream as any).text, true));

    const native = await raw(engine, "/v1/messages", requests.messagesToolStream, { "anthropic-version": "2023-06-01" });
    expect(native.text).toContain('"type":"tool_use"');
    expect(frames(native.text)).toEqual(frames((recorded.messagesToolStream as any).text));

    const responses = await raw(engine, "/v1/responses", requests.responsesStream);
    expect(responses.text).toContain("event: response.completed");
    expect(frames(responses.text)).toEqual(frames((recorded.responsesStream as any).text));
  });

  test("embeddings come back equal", async () => {
    const replayed = comparable((await client.embeddings.create(requests.embeddings)) as any);
    expect((replayed as any).data).toHaveLength(2);
    expect(replayed).toEqual(comparable(recorded.embeddings as any));
  });

  test("a request recorded twice gets its answers in the recorded order, then the last again", async () => {
    const [first, second] = recorded.twice as any[];
    expect(first.choices[0].message.content).toBe("the first answer");
    const replayed = [];
    for (let i = 0; i < 3; i++) replayed.push((await client.chat.completions.create(requests.twice)).choices[0]!.message.content);
    expect(replayed).toEqual(["the first answer", "the second answer", second.choices[0].message.content]);
  });

  test("a request not recorded is a 400 naming the nearest recorded request and the field that differs, in the API's own shape", async () => {
    const err: any = await client.chat.completions.create({ model: GPT, messages: ask("cassette whole answer!") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe("cassette_miss");
    expect(err.message).toContain("POST /v1/chat/completions with this request is not in the cassette");
    expect(err.message).toMatch(/the nearest recorded request \([0-9a-f]{12}… in .*\) differs in messages\[0\]\.content$/);

    const other = await client.chat.completions.create({ ...requests.gptWhole, temperature: 0.5 }).catch((e) => e);
    expect(other.message).toContain("differs in temperature");

    const messages = await raw(engine, "/v1/messages", { ...requests.messagesToolStream, max_tokens: 99 }, { "anthropic-version": "2023-06-01" });
    expect(messages.status).toBe(400);
    const body = JSON.parse(messages.text);
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("differs in max_tokens");
  });
});

test("the cassette holds no key and no authorization header", () => {
  const text = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
  expect(text.length).toBeGreaterThan(1000);
  expect(text).not.toContain(openai.apiKey);
  expect(text).not.toContain(anthropic.apiKey);
  expect(text.toLowerCase()).not.toContain("authorization");
  expect(text).not.toContain("x-api-key");
});

test("--replay-timing real keeps a recorded pause between chunks", async () => {
  expect(gapRecorded).toBeGreaterThanOrEqual(150);
  const timed = await startReplay(["--replay-timing", "real"]);
  try {
    const res = await fetch(`${timed.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(requests.gapped),
    });
    const reader = res.body!.getReader();
    const times: number[] = [];
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      times.push(performance.now());
      text += new TextDecoder().decode(value);
    }
    expect(frames(text)).toEqual(frames((recorded.gapped as any).text));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(100);
  } finally {
    await timed.stop();
  }
});
