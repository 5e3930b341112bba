// Drives the Cohere fake with Cohere's own SDK (cohere-ai's CohereClientV2), so a test that passes
// against the fake speaks the protocol the real SDK speaks; shapes are checked against the
// recorded answers and streams.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cohere, CohereClientV2 } from "cohere-ai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cohereError, rateLimited, startFakeCohere, streamGate, type FakeCohere } from "./cohere-upstream.ts";

const FIXTURES = join(import.meta.dir, "../providers/cohere/fixtures");
const recorded = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
const recordedEvents = (name: string): any[] =>
  readFileSync(join(FIXTURES, name), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));

/** The structure of a JSON value with its leaves reduced to their types; key order kept. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value === null ? null : typeof value;
}

let fake: FakeCohere;
let co: CohereClientV2;

beforeAll(async () => {
  fake = await startFakeCohere();
  co = new CohereClientV2({ token: fake.apiKey, environment: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

const said = () => `ping ${crypto.randomUUID()} over`;
const MODEL = "command-a-03-2025";
const weatherTools = [
  {
    type: "function" as const,
    function: { name: "weather", description: "Weather in a place", parameters: { type: "object", properties: { location: { type: "string" } } } },
  },
  { type: "function" as const, function: { name: "cityAttractions", parameters: { type: "object", properties: { city: { type: "string" } } } } },
];

/** The raw SSE text of a streamed chat, split into events. */
async function rawStream(body: unknown): Promise<string[]> {
  const res = await fetch(`${fake.url}/v2/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  return (await res.text()).split("\n\n").filter(Boolean);
}

describe("chat", () => {
  test("answers like the recorded response, echoing the last user message", async () => {
    const text = said();
    const res = await co.chat({
      model: MODEL,
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: text },
      ],
    });
    expect(res.message.content?.[0]).toEqual({ type: "text", text });
    expect(res.finishReason).toBe("COMPLETE");
    expect(res.usage?.billedUnits?.inputTokens).toBeGreaterThan(0);
    expect(res.usage!.tokens!.inputTokens!).toBeGreaterThan(res.usage!.billedUnits!.inputTokens!);

    const seen = fake.requests.at(-1)!;
    expect(seen.path).toBe("/v2/chat");
    expect(seen.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect((seen.body as any).stream).toBe(false);
    const raw = await fetch(`${fake.url}/v2/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.apiKey}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: text }] }),
    }).then((r) => r.json());
    expect(shape(raw)).toEqual(shape(recorded("cohere-text.json")));
  });

  test("tool calls come back as the recorded tool-call response", async () => {
    fake.script({
      toolCalls: [
        { name: "weather", arguments: { location: "San Francisco" } },
        { name: "cityAttractions", arguments: { city: "San Francisco" } },
      ],
    });
    const res = await co.chat({ model: MODEL, messages: [{ role: "user", content: "weather and sights?" }], tools: weatherTools });
    expect(res.finishReason).toBe("TOOL_CALL");
    expect(res.message.toolPlan).toContain("weather");
    expect(res.message.toolCalls!.map((c) => [c.function!.name, JSON.parse(c.function!.arguments!)])).toEqual([
      ["weather", { location: "San Francisco" }],
      ["cityAttractions", { city: "San Francisco" }],
    ]);
    expect(res.message.toolCalls![0].id).toMatch(/^weather_[a-z0-9]{12}$/);
    fake.script({ toolCalls: [{ name: "weather", arguments: { location: "x" } }] });
    const raw = await fetch(`${fake.url}/v2/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.apiKey}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x" }], tools: weatherTools }),
    }).then((r) => r.json());
    expect(shape(raw)).toEqual(shape(recorded("cohere-tool-call.json")));
  });

  test("a tool round trip with tool_plan and tool results is accepted", async () => {
    const res = await co.chat({
      model: MODEL,
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          toolPlan: "I will look it up.",
          toolCalls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }],
        },
        { role: "tool", toolCallId: "weather_1", content: "sunny" },
      ],
      tools: weatherTools,
      toolChoice: "NONE",
    });
    expect(res.finishReason).toBe("COMPLETE");
    const sent = fake.requests.at(-1)!.body as any;
    expect(sent.messages[1]).toEqual({
      role: "assistant",
      tool_plan: "I will look it up.",
      tool_calls: [{ id: "weather_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }],
    });
    expect(sent.messages[2]).toEqual({ role: "tool", tool_call_id: "weather_1", content: "sunny" });
    expect(sent.tool_choice).toBe("NONE");
  });

  test("thinking and citations come back where the SDK reads them", async () => {
    const citation = {
      start: 0,
      end: 4,
      text: "Four",
      sources: [{ type: "document", id: "doc:0", document: { id: "doc:0", text: "2+2=4" } }],
      type: "TEXT_CONTENT",
    };
    fake.script({ content: "Four.", thinking: "Two plus two.", citations: [citation] });
    const res = await co.chat({ model: "command-a-reasoning-08-2025", messages: [{ role: "user", content: "2+2?" }], thinking: { type: "enabled" } });
    expect(res.message.content).toEqual([
      { type: "thinking", thinking: "Two plus two." },
      { type: "text", text: "Four." },
    ]);
    expect(res.message.citations?.[0].text).toBe("Four");
  });
});

describe("chatStream", () => {
  test("text streams as the recorded events: event names, order, shapes and [DONE]", async () => {
    const text = said();
    const events: any[] = [];
    for await (const event of await co.chatStream({ model: MODEL, messages: [{ role: "user", content: text }] })) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      "message-start",
      "content-start",
      ...Array(textPieceCount(text)).fill("content-delta"),
      "content-end",
      "message-end",
    ]);
    expect(
      events
        .filter((e) => e.type === "content-delta")
        .map((e) => e.delta.message.content.text)
        .join(""),
    ).toBe(text);
    expect(events.at(-1).delta.finishReason).toBe("COMPLETE");
    expect((fake.requests.at(-1)!.body as any).stream).toBe(true);

    const raw = await rawStream({ model: MODEL, messages: [{ role: "user", content: text }], stream: true });
    expect(raw.at(-1)).toBe("data: [DONE]");
    const payloads = raw.slice(0, -1).map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      const payload = JSON.parse(dataLine.slice("data: ".length));
      expect(eventLine).toBe(`event: ${payload.type}`);
      return payload;
    });
    const rec = recordedEvents("cohere-text.chunks.txt");
    const byType = (list: any[], type: string) => list.find((e) => e.type === type);
    for (const type of ["message-start", "content-start", "content-delta", "content-end", "message-end"]) {
      expect(shape(byType(payloads, type))).toEqual(shape(byType(rec, type)));
    }
  });

  test("tool calls stream as the recorded tool-call events, one index per call", async () => {
    const script = {
      toolCalls: [
        { name: "weather", arguments: { location: "San Francisco" } },
        { name: "cityAttractions", arguments: { city: "San Francisco" } },
      ],
    };
    fake.script(script);
    const events: any[] = [];
    for await (const event of await co.chatStream({ model: MODEL, messages: [{ role: "user", content: "x" }], tools: weatherTools })) events.push(event);
    const starts = events.filter((e) => e.type === "tool-call-start");
    expect(starts.map((e) => [e.index, e.delta.message.toolCalls.function.name])).toEqual([
      [0, "weather"],
      [1, "cityAttractions"],
    ]);
    for (const index of [0, 1]) {
      const args = events
        .filter((e) => e.type === "tool-call-delta" && e.index === index)
        .map((e) => e.delta.message.toolCalls.function.arguments)
        .join("");
      expect(JSON.parse(args)).toEqual(script.toolCalls[index].arguments);
    }
    expect(events.at(-1).delta.finishReason).toBe("TOOL_CALL");

    fake.script(script);
    const payloads = (await rawStream({ model: MODEL, messages: [{ role: "user", content: "x" }], tools: weatherTools, stream: true }))
      .slice(0, -1)
      .map((block) => JSON.parse(block.split("\n")[1].slice("data: ".length)));
    const rec = recordedEvents("cohere-tool-call.chunks.txt");
    expect(dedupe(payloads.map((e) => e.type))).toEqual(dedupe(rec.map((e) => e.type)));
    for (const type of ["message-start", "tool-plan-delta", "tool-call-start", "tool-call-delta", "tool-call-end", "message-end"]) {
      expect(shape(payloads.find((e) => e.type === type))).toEqual(shape(rec.find((e) => e.type === type)));
    }
  });

  test("failAfter ends with an ERROR message-end carrying the error; dropAfter ends without one", async () => {
    fake.script({ content: "one two three four", failAfter: 3, errorText: "upstream model crashed" });
    const failed: any[] = [];
    for await (const event of await co.chatStream({ model: MODEL, messages: [{ role: "user", content: "x" }] })) failed.push(event);
    expect(failed).toHaveLength(4);
    expect(failed.at(-1).delta).toMatchObject({ finishReason: "ERROR", error: "upstream model crashed" });

    fake.script({ content: "one two three four", dropAfter: 3 });
    const dropped: any[] = [];
    for await (const event of await co.chatStream({ model: MODEL, messages: [{ role: "user", content: "x" }] })) dropped.push(event);
    expect(dropped.map((e) => e.type)).toEqual(["message-start", "content-start", "content-delta"]);
  });

  test("a gate holds the stream, and a client that leaves is seen as aborted", async () => {
    const gate = streamGate({ initial: 1 });
    fake.script({ content: "one two three", gate });
    const ac = new AbortController();
    const stream = await co.chatStream({ model: MODEL, messages: [{ role: "user", content: "slow" }] }, { abortSignal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    expect(((await it.next()).value as any).type).toBe("message-start");
    await gate.waiting();
    expect(gate.sent).toBe(1);
    const aborted = fake.aborted();
    ac.abort();
    expect(((await aborted).body as any).messages[0].content).toBe("slow");
  });
});

describe("errors in Cohere's shape", () => {
  const errorOf = (p: Promise<unknown>): Promise<any> =>
    p.then(
      () => null,
      (e) => e,
    );

  test("a wrong key is UnauthorizedError 'invalid api token'; no key is 'no api key supplied'", async () => {
    const wrong = new CohereClientV2({ token: "co-wrong", environment: fake.url, maxRetries: 0 });
    const error = await errorOf(wrong.chat({ model: MODEL, messages: [{ role: "user", content: "x" }] }));
    expect(error).toBeInstanceOf(Cohere.UnauthorizedError);
    expect(error.statusCode).toBe(401);
    expect(error.body).toMatchObject({ message: "invalid api token" });
    expect(error.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${fake.url}/v2/chat`, { method: "POST", body: JSON.stringify({ model: MODEL, messages: [] }) });
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).message).toBe("no api key supplied");
  });

  test("an unknown model is NotFoundError with Cohere's wording", async () => {
    const error = await errorOf(co.chat({ model: "command-nope", messages: [{ role: "user", content: "x" }] }));
    expect(error).toBeInstanceOf(Cohere.NotFoundError);
    expect(error.body.message).toBe("model 'command-nope' not found, make sure the correct model ID was used and that you have access to the model.");
  });

  test("an OpenAI-only field (a tool's `strict`, a message's `name`) is refused with 422 naming it", async () => {
    const tool = { type: "function", function: { name: "f", parameters: { type: "object" }, strict: true } };
    const error = await errorOf(co.chat({ model: MODEL, messages: [{ role: "user", content: "x" }], tools: [tool as any] }));
    expect(error).toBeInstanceOf(Cohere.UnprocessableEntityError);
    expect(error.body.message).toBe(
      "unknown field: parameter 'strict' is not a valid field. For proper usage, please refer to https://docs.cohere.com/reference/chat",
    );
    const named = await fetch(`${fake.url}/v2/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.apiKey}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x", name: "bob" }] }),
    });
    expect(named.status).toBe(422);
    expect(((await named.json()) as any).message).toContain("parameter 'name'");
  });

  test("what Cohere rejects with 400: tool_choice without tools, p out of range, an unknown tool_call_id, images on a text model", async () => {
    const cases: unknown[] = [
      { model: MODEL, messages: [{ role: "user", content: "x" }], tool_choice: "REQUIRED" },
      { model: MODEL, messages: [{ role: "user", content: "x" }], p: 1 },
      {
        model: MODEL,
        messages: [
          { role: "user", content: "x" },
          { role: "tool", tool_call_id: "nope", content: "r" },
        ],
      },
      { model: MODEL, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] },
    ];
    for (const body of cases) {
      const res = await fetch(`${fake.url}/v2/chat`, { method: "POST", headers: { authorization: `Bearer ${fake.apiKey}` }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).message).toStartWith("invalid request: ");
    }
  });

  test("scripted 429 keeps its Retry-After; scripted errors reach the SDK with their status", async () => {
    fake.script(rateLimited({ retryAfterSeconds: 9 }));
    const limited = await errorOf(co.chat({ model: MODEL, messages: [{ role: "user", content: "x" }] }));
    expect(limited).toBeInstanceOf(Cohere.TooManyRequestsError);
    expect(limited.rawResponse.headers.get("retry-after")).toBe("9");
    expect(limited.body.message).toContain("Trial key");
    fake.script(cohereError(503, "service unavailable"));
    const down = await errorOf(co.chat({ model: MODEL, messages: [{ role: "user", content: "x" }] }));
    expect(down).toBeInstanceOf(Cohere.ServiceUnavailableError);
  });
});

function textPieceCount(text: string): number {
  return (text.match(/\s*\S+|\s+/g) ?? []).length;
}

function dedupe(types: string[]): string[] {
  return types.filter((t, i) => t !== types[i - 1]);
}
