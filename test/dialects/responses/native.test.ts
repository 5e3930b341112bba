import { describe, expect, test } from "bun:test";
import { NativeResponsesEncoder, nativeAdapter, responsesUrl, speaksResponses } from "../../../src/dialects/responses/native.ts";
import { ADAPTERS } from "../../../src/providers/adapters.ts";
import type { UpstreamError } from "../../../src/providers/errors.ts";
import { getProvider } from "../../../src/providers/registry.ts";
import type { StreamChunk, Target } from "../../../src/providers/types.ts";
import { UpstreamBody } from "../../../src/providers/upstream-body.ts";
import { responsesAnswer } from "../../fakes/openai-upstream.ts";
import { eachChunk } from "../../helpers/translated-chunks.ts";

const openai = (): Target => ({ provider: getProvider("openai")!, model: "gpt-4o", baseUrl: "https://api.example/v1", headers: { "x-h": "1" }, key: "sk-x" });
const azure = (baseUrl: string, apiVersion?: string): Target => ({
  provider: getProvider("azure")!,
  model: "dep1",
  baseUrl,
  headers: {},
  key: "az-key",
  apiVersion,
});

async function chunksOf(frames: string[], target = openai()): Promise<StreamChunk[]> {
  const body = new UpstreamBody(new Response(new TextEncoder().encode(frames.join(""))).body!, { ms: 5000, provider: "openai" });
  const out: StreamChunk[] = [];
  for await (const c of eachChunk(nativeAdapter(ADAPTERS.openai, {}).streamChunks(body, target))) out.push(c);
  return out;
}
const framesOf = (events: Array<Record<string, unknown>>) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);

describe("who takes the request as it is", () => {
  test("OpenAI and Azure; other OpenAI-dialect providers are translated", () => {
    expect(speaksResponses(getProvider("openai")!)).toBe(true);
    expect(speaksResponses(getProvider("azure")!)).toBe(true);
    expect(speaksResponses(getProvider("groq")!)).toBe(false);
    expect(speaksResponses(getProvider("anthropic")!)).toBe(false);
  });

  test("where it goes: OpenAI's /responses; Azure's v1 API, or the dated path when a dated version is pinned", () => {
    expect(responsesUrl(openai())).toBe("https://api.example/v1/responses");
    expect(responsesUrl(azure("https://r.openai.azure.com"))).toBe("https://r.openai.azure.com/openai/v1/responses");
    expect(responsesUrl(azure("https://r.openai.azure.com/openai/v1"))).toBe("https://r.openai.azure.com/openai/v1/responses");
    expect(responsesUrl(azure("https://r.openai.azure.com", "preview"))).toBe("https://r.openai.azure.com/openai/v1/responses");
    expect(responsesUrl(azure("https://r.openai.azure.com/openai", "2025-04-01-preview"))).toBe(
      "https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
    );
  });
});

describe("nativeAdapter", () => {
  test("the client's body with the target's model; the stream flag as asked; each provider's key header", async () => {
    const client = { model: "openai/gpt-4o", input: "hi", tools: [{ type: "web_search" }], previous_response_id: "resp_1", stream: true };
    const up = await nativeAdapter(ADAPTERS.openai, client).buildRequest({ model: "x", messages: [] }, openai(), true);
    expect(up.url).toBe("https://api.example/v1/responses");
    expect(up.init.headers).toEqual({ "content-type": "application/json", "x-h": "1", authorization: "Bearer sk-x" });
    expect(JSON.parse(up.init.body as string)).toEqual({ ...client, model: "gpt-4o" });
    const whole = await nativeAdapter(ADAPTERS.azure, client).buildRequest({ model: "x", messages: [] }, azure("https://r.openai.azure.com"), false);
    expect((whole.init.headers as Record<string, string>)["api-key"]).toBe("az-key");
    expect(JSON.parse(whole.init.body as string)).toMatchObject({ model: "dep1", previous_response_id: "resp_1" });
    expect(JSON.parse(whole.init.body as string).stream).toBeUndefined();
  });

  test("parseResponse reads usage and output for the trace; a body that is not a Response is a 502", () => {
    const { response } = responsesAnswer(
      { model: "gpt-4o", input: "hello" },
      { usage: { prompt_tokens: 8, completion_tokens: 2, cached_tokens: 4 } },
      "gpt-4o-2024-08-06",
    );
    const c = nativeAdapter(ADAPTERS.openai, {}).parseResponse(JSON.stringify(response), openai());
    expect(c.choices[0]!.message.content).toBe("hello");
    expect(c.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } });
    expect(() => nativeAdapter(ADAPTERS.openai, {}).parseResponse('{"choices":[]}', openai())).toThrow(/not a Response/);
  });

  test("streamChunks: every frame rides on a chunk carrying text, tool calls, and at the end usage and the finish reason", async () => {
    const { events } = responsesAnswer(
      { model: "gpt-4o", input: "x" },
      { content: "ab cd", toolCalls: [{ name: "f", arguments: { q: 1 }, id: "call_1" }], usage: { prompt_tokens: 6, completion_tokens: 4 } },
      "gpt-4o",
    );
    const frames = framesOf(events);
    const chunks = await chunksOf(frames);
    expect(chunks.map((c) => c.nativeFrame)).toEqual(frames);
    const text = chunks.map((c) => c.chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("ab cd");
    const calls = chunks.flatMap((c) => c.chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: "call_1", function: { name: "f" } });
    expect(calls.map((c) => c.function?.arguments ?? "").join("")).toBe('{"q":1}');
    const last = chunks.at(-1)!.chunk;
    expect(last.choices[0]!.finish_reason).toBe("tool_calls");
    expect(last.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4 });
  });

  test("a stream that ends before its terminal event fails; an error event is an upstream error", async () => {
    const { events } = responsesAnswer({ model: "gpt-4o", input: "x" }, {}, "gpt-4o");
    await expect(chunksOf(framesOf(events.slice(0, 3)))).rejects.toThrow(/before response.completed/);
    await expect(chunksOf(framesOf([events[0]!, { type: "error", code: "server_error", message: "boom", param: null, sequence_number: 1 }]))).rejects.toThrow(
      "boom",
    );
  });
});

describe("response.failed", () => {
  test("its frame reaches the client as sent, then the stream fails for the trace, with no second error event", async () => {
    const { events } = responsesAnswer({ model: "gpt-4o", input: "x" }, {}, "gpt-4o");
    const failed = {
      type: "response.failed",
      sequence_number: 2,
      response: { ...events[0]!.response!, status: "failed", error: { code: "server_error", message: "overloaded" } },
    };
    const frames = framesOf([events[0]!, events[1]!, failed]);
    const body = new UpstreamBody(new Response(new TextEncoder().encode(frames.join(""))).body!, { ms: 5000, provider: "openai" });
    const enc = new NativeResponsesEncoder();
    let out = "";
    let thrown: any = null;
    try {
      for await (const c of eachChunk(nativeAdapter(ADAPTERS.openai, {}).streamChunks(body, openai()))) out += enc.chunk(c);
    } catch (e) {
      thrown = e;
      out += enc.fail((e as UpstreamError).mapped);
    }
    expect(thrown?.mapped.error).toMatchObject({ message: "overloaded", code: "server_error" });
    expect(out).toBe(frames.join(""));
  });
});

describe("NativeResponsesEncoder", () => {
  test("frames pass as sent; the terminal one waits for the end and gets the extras on its response", async () => {
    const { events } = responsesAnswer({ model: "gpt-4o", input: "x" }, { content: "hi there" }, "gpt-4o");
    const frames = framesOf(events);
    const enc = new NativeResponsesEncoder();
    let out = "";
    for (const c of await chunksOf(frames)) out += enc.chunk(c);
    expect(out).toBe(frames.slice(0, -1).join(""));
    const tail = enc.end(null, { _cost: 0.1, _latency_ms: 2, _routing: { provider: "openai" } });
    const data = JSON.parse(/^data: (.*)$/m.exec(tail)![1]!);
    expect(tail.startsWith("event: response.completed\n")).toBe(true);
    expect(data).toMatchObject({ type: "response.completed", sequence_number: events.length - 1 });
    expect(data.response).toMatchObject({ ...events.at(-1)!.response!, _cost: 0.1, _routing: { provider: "openai" } });
    const err = enc.fail({ status: 502, error: { message: "m", type: "upstream_error", param: null, code: null }, headers: {} });
    expect(JSON.parse(/^data: (.*)$/m.exec(err)![1]!)).toMatchObject({ type: "error", code: "upstream_error", sequence_number: events.length });
  });
});
