// The whole path for OpenAI's Responses API: the official `openai` SDK's client.responses → the
// engine (a real subprocess) → the OpenAI fake (passed through) or the Anthropic fake (translated),
// and back; then the traces it wrote.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeAnthropic, type FakeAnthropic } from "../../fakes/anthropic-upstream.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { tempHome } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";
import { readTraces } from "../../helpers/traces.ts";

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let engine: RunningEngine;
let client: OpenAI;
const traceIds = new Map<string, string>();

beforeAll(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "config.json"), JSON.stringify({ routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1000, period_ms: 1 } } }));
  engine = await startEngine({
    home,
    env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: openai.apiKey, ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.apiKey },
  });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  await openai?.close();
  await anthropic?.close();
});

const GPT = "openai/gpt-4o";
const CLAUDE = "anthropic/claude-haiku-4-5";
const weather: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "Current weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};
const lastOpenAI = () => openai.requests.at(-1)!;
const lastAnthropicBody = () => anthropic.requests.at(-1)!.body as any;

/** The raw SSE of a streamed request: each event's name and parsed data, in order. */
async function rawEvents(body: Record<string, unknown>): Promise<Array<{ name: string; data: any }>> {
  const res = await fetch(`${engine.baseURL}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer anything" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  return (await res.text())
    .split("\n\n")
    .filter((f) => f.trim())
    .map((frame) => ({ name: /^event: (.*)$/m.exec(frame)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) }));
}

describe("passed through to OpenAI", () => {
  test("a whole answer: OpenAI's Response with the extras; the upstream got the client's body on /responses, built-in tools and previous_response_id included", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    openai.script({ usage: { prompt_tokens: 40, completion_tokens: 7, cached_tokens: 16, reasoning_tokens: 3 } });
    const { data, response } = await client.responses
      .create({
        model: GPT,
        input: question,
        instructions: "Be brief.",
        tools: [{ type: "web_search" } as any],
        previous_response_id: "resp_earlier",
        store: true,
        metadata: { team: "search" },
      })
      .withResponse();
    expect(data.object).toBe("response");
    expect(data.status).toBe("completed");
    expect(data.output_text).toBe(question);
    expect(data.usage).toMatchObject({ input_tokens: 40, output_tokens: 7, input_tokens_details: { cached_tokens: 16 } });
    const extras = data as any;
    expect(extras._cost).toBeGreaterThan(0);
    expect(extras._latency_ms).toBeGreaterThan(0);
    expect(extras._routing).toMatchObject({ selected_model: GPT, provider: "openai" });
    const sent = lastOpenAI();
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body).toMatchObject({
      model: "gpt-4o",
      input: question,
      instructions: "Be brief.",
      tools: [{ type: "web_search" }],
      previous_response_id: "resp_earlier",
      store: true,
      metadata: { team: "search" },
    });
    expect((sent.body as any).stream).toBeUndefined();
    traceIds.set("native", response.headers.get("x-opentracy-trace-id")!);
  });

  test("a stream: OpenAI's events relayed in order, the extras on response.completed's response", async () => {
    openai.script({ content: "one two three four" });
    const events = await rawEvents({ model: GPT, input: "count" });
    const types = events.map((e) => e.name);
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(types).toContain("response.output_text.delta");
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.filter((e) => e.name === "response.output_text.delta").map((e) => e.data.delta);
    expect(text.join("")).toBe("one two three four");
    // The upstream's own frames: the fake's obfuscation field survives.
    expect(events.find((e) => e.name === "response.output_text.delta")!.data.obfuscation).toBeString();
    const done = events.at(-1)!.data.response;
    expect(done._routing).toMatchObject({ selected_model: GPT });
    expect(typeof done._cost).toBe("number");
    expect((lastOpenAI().body as any).stream).toBe(true);
  });

  test("responses.stream().finalResponse(): a function call arrives whole", async () => {
    openai.script({ toolCalls: [{ name: "get_weather", arguments: { city: "Paris" }, id: "call_paris" }] });
    const final = await client.responses.stream({ model: GPT, input: "weather in Paris?", tools: [weather] }).finalResponse();
    const call = final.output.find((o) => o.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: "get_weather", call_id: "call_paris", arguments: '{"city":"Paris"}' });
    expect((final as any)._routing.provider).toBe("openai");
  });

  test("an upstream 400 keeps OpenAI's status and error", async () => {
    openai.script({ error: { status: 400, body: { error: { message: "bad input", type: "invalid_request_error", param: "input", code: null } } } });
    const err = await client.responses.create({ model: GPT, input: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ message: expect.stringContaining("bad input"), param: "input" });
  });
});

describe("translated for Anthropic", () => {
  test("a whole answer: a Response with a message item, usage with details, the extras; Anthropic got the translation", async () => {
    const question = `hi ${crypto.randomUUID()}`;
    anthropic.script({ usage: { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 10 } });
    const { data, response } = await client.responses
      .create({
        model: CLAUDE,
        instructions: "Be brief.",
        input: [{ role: "user", content: [{ type: "input_text", text: question }] }],
        max_output_tokens: 200,
        temperature: 0.2,
      })
      .withResponse();
    expect(data.id).toStartWith("resp_");
    expect(data.status).toBe("completed");
    expect(data.output).toHaveLength(1);
    expect(data.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: question }] });
    expect(data.output_text).toBe(question);
    expect(data.usage).toMatchObject({
      input_tokens: 30,
      output_tokens: 5,
      input_tokens_details: { cached_tokens: 10 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
    expect((data as any)._routing).toMatchObject({ selected_model: CLAUDE, provider: "anthropic" });
    expect((data as any)._cost).toBeGreaterThan(0);
    const sent = lastAnthropicBody();
    expect(sent.model).toBe("claude-haiku-4-5");
    expect(JSON.stringify(sent.system)).toContain("Be brief.");
    expect(sent.max_tokens).toBe(200);
    expect(sent.temperature).toBe(0.2);
    expect(JSON.stringify(sent.messages)).toContain(question);
    traceIds.set("bridged", response.headers.get("x-opentracy-trace-id")!);
  });

  test("a function tool round trip: function_call, then function_call_output, then the answer", async () => {
    anthropic.script({ toolUses: [{ name: "get_weather", input: { city: "Oslo" }, id: "toolu_oslo" }] });
    const first = await client.responses.create({ model: CLAUDE, input: "weather in Oslo?", tools: [weather], tool_choice: "auto" });
    const call = first.output.find((o) => o.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", call_id: "toolu_oslo" });
    expect(JSON.parse(call.arguments)).toEqual({ city: "Oslo" });
    expect(lastAnthropicBody().tools[0]).toMatchObject({ name: "get_weather", input_schema: weather.parameters });

    anthropic.script({ text: "It is sunny in Oslo." });
    const second = await client.responses.create({
      model: CLAUDE,
      tools: [weather],
      input: [
        { role: "user", content: "weather in Oslo?" },
        { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: "function_call_output", call_id: call.call_id, output: '{"sky":"sunny"}' },
      ],
    });
    expect(second.output_text).toBe("It is sunny in Oslo.");
    const sent = lastAnthropicBody();
    expect(sent.messages[1]).toMatchObject({
      role: "assistant",
      content: [{ type: "tool_use", id: "toolu_oslo", name: "get_weather", input: { city: "Oslo" } }],
    });
    expect(JSON.stringify(sent.messages[2])).toContain("toolu_oslo");
    expect(JSON.stringify(sent.messages[2])).toContain("sunny");
  });

  test("text and a tool call in one stream: the Responses event sequence, numbered, both items arriving", async () => {
    anthropic.script({ text: "Let me check.", toolUses: [{ name: "get_weather", input: { city: "Rome" } }] });
    const events = await rawEvents({ model: CLAUDE, input: "weather in Rome?", tools: [weather] });
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.name === e.data.type)).toBe(true);
    const types = events.map((e) => e.name).filter((t, i, a) => t !== a[i - 1]);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const done = events.at(-1)!.data.response;
    expect(done.status).toBe("completed");
    expect(done.output.map((o: any) => o.type)).toEqual(["message", "function_call"]);
    expect(done.output[0].content[0].text).toBe("Let me check.");
    expect(JSON.parse(done.output[1].arguments)).toEqual({ city: "Rome" });
    expect(done.usage.output_tokens).toBeGreaterThan(0);
    expect(done._routing.selected_model).toBe(CLAUDE);

    anthropic.script({ text: "Let me check.", toolUses: [{ name: "get_weather", input: { city: "Rome" } }] });
    const final = await client.responses.stream({ model: CLAUDE, input: "weather in Rome?", tools: [weather] }).finalResponse();
    expect(final.output_text).toBe("Let me check.");
    expect(final.output.map((o) => o.type)).toEqual(["message", "function_call"]);
  });

  test("create({stream: true}) yields the events the SDK types", async () => {
    anthropic.script({ text: "streamed words here" });
    const stream = await client.responses.create({ model: CLAUDE, input: "go", stream: true });
    let text = "";
    let completed: OpenAI.Responses.Response | null = null;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(text).toBe("streamed words here");
    expect(completed!.output_text ?? (completed!.output[0] as any).content[0].text).toBe("streamed words here");
  });

  test("cut at max_output_tokens: status incomplete, reason max_output_tokens, whole and streamed", async () => {
    anthropic.script({ text: "a long answer that was cut", stopReason: "max_tokens" });
    const whole = await client.responses.create({ model: CLAUDE, input: "go on", max_output_tokens: 16 });
    expect(whole.status).toBe("incomplete");
    expect(whole.incomplete_details).toEqual({ reason: "max_output_tokens" });
    anthropic.script({ text: "a long answer that was cut", stopReason: "max_tokens" });
    const events = await rawEvents({ model: CLAUDE, input: "go on", max_output_tokens: 16 });
    const last = events.at(-1)!;
    expect(last.name).toBe("response.incomplete");
    expect(last.data.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  });
});

describe("errors, in OpenAI's shape", () => {
  test("a translated stream that fails midway ends with an error event the SDK raises", async () => {
    anthropic.script({ text: "partial answer that breaks", failAfter: 5 });
    const stream = await client.responses.create({ model: CLAUDE, input: "go", stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(seen[0]).toBe("response.created");
    expect(seen).not.toContain("response.completed");
  });

  test("a malformed request is a 400 BadRequestError naming the parameter", async () => {
    const err = await client.responses.create({ model: CLAUDE, input: 42 as any }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ type: "invalid_request_error", param: "input" });
  });

  test("an unknown model is a 404", async () => {
    const err = await client.responses.create({ model: "nosuchprovider/model-x", input: "hi" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error).toMatchObject({ code: "model_not_found" });
  });

  test("previous_response_id on a translated target is a 400 naming it; nothing reaches Anthropic", async () => {
    const before = anthropic.requests.length;
    const err = await client.responses.create({ model: CLAUDE, input: "and then?", previous_response_id: "resp_abc" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ param: "previous_response_id", code: "unsupported_parameter" });
    expect(anthropic.requests.length).toBe(before);
  });

  test("a built-in tool on a translated target is a 400 naming it, not dropped", async () => {
    const err = await client.responses.create({ model: CLAUDE, input: "news?", tools: [{ type: "web_search" } as any] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error.param).toBe("tools[0].type");
  });
});

describe("traces", () => {
  test("each call is traced with api: responses, the messages as translated, usage and the answer", async () => {
    expect(await engine.stop()).toBe(0);
    const traces = readTraces(engine.home);
    expect(traces.length).toBeGreaterThan(8);
    expect(traces.every((t) => t.api === "responses")).toBe(true);
    const native = traces.find((t) => t.id === traceIds.get("native"))!;
    expect(native).toMatchObject({ selected_model: GPT, status: "ok", input_tokens: 40, output_tokens: 7, cached_tokens: 16, reasoning_tokens: 3 });
    expect(native.cost_usd).toBeGreaterThan(0);
    expect(native.tags).toEqual({ team: "search" });
    const bridged = traces.find((t) => t.id === traceIds.get("bridged"))!;
    expect(bridged).toMatchObject({ selected_model: CLAUDE, status: "ok", input_tokens: 30, cached_tokens: 10, finish_reason: "stop" });
    expect(bridged.request).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: expect.stringMatching(/^hi /) },
    ]);
    expect(JSON.stringify(bridged.response)).toContain("hi ");
    expect(traces.some((t) => t.http_status === 400 && t.error_type === "invalid_request_error")).toBe(true);
    expect(traces.some((t) => t.stream && t.finish_reason === "tool_calls" && t.tool_calls === 1)).toBe(true);
    expect(traces.some((t) => t.stream && t.status === "error" && t.selected_model === CLAUDE)).toBe(true);
  });
});
