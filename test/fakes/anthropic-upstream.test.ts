// Drives the fake with the official @anthropic-ai/sdk, so a test that passes against the fake is
// speaking the protocol the real SDK speaks; shapes are checked against the recorded responses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { anthropicError, overloaded, rateLimited, signThinking, startFakeAnthropic, streamGate, type FakeAnthropic } from "./anthropic-upstream.ts";

const FIXTURES = join(import.meta.dir, "../providers/anthropic/fixtures");
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

let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0 });
});
afterAll(() => fake.close());

const said = () => `ping ${crypto.randomUUID()} over`;
const MODEL = "claude-haiku-4-5";
const lastRequest = () => fake.requests.at(-1)!;

/** A raw request the way the gateway sends it: x-api-key and the 2023-06-01 version. */
const post = (body: unknown, headers: Record<string, string | null> = {}) => {
  const h: Record<string, string> = { "content-type": "application/json", "x-api-key": fake.apiKey, "anthropic-version": "2023-06-01" };
  for (const [k, v] of Object.entries(headers)) {
    if (v === null) delete h[k];
    else h[k] = v;
  }
  return fetch(`${fake.url}/v1/messages`, { method: "POST", headers: h, body: typeof body === "string" ? body : JSON.stringify(body) });
};
const base = (extra: Record<string, unknown> = {}) => ({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "hi" }], ...extra });

/** SSE frames of a raw response: [event name, parsed data]. */
async function sseFrames(res: Response): Promise<[string, any][]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((f) => f.trim() !== "")
    .map((frame) => {
      const name = /^event: (.*)$/m.exec(frame)![1]!;
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)![1]!);
      return [name, data];
    });
}

describe("answers like the recorded messages", () => {
  test("non-stream text: the recorded shape, the snapshot id, the SDK's auth and version", async () => {
    const text = said();
    const { data, response, request_id } = await client.messages
      .create({ model: MODEL, max_tokens: 256, system: "be brief", messages: [{ role: "user", content: text }] })
      .withResponse();
    expect(data.content).toEqual([{ type: "text", text } as any]);
    expect(data.model).toBe("claude-haiku-4-5-20251001");
    expect(data.stop_reason).toBe("end_turn");
    expect(shape(data)).toEqual(shape(recorded("anthropic-text.json")));
    expect(Object.keys(data)).toEqual(Object.keys(recorded("anthropic-text.json")));
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(request_id).toMatch(/^req_011C/);
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toMatch(/^\d+$/);
    const seen = lastRequest();
    // SDK 1.x: the key as a Bearer token, the 2026-10-21 API version.
    expect(seen.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(seen.headers["anthropic-version"]).toBe("2026-10-21");
  });

  test("a stream has the documented event sequence, named events, and the SDK accumulates it", async () => {
    const text = "one two three four";
    const res = await post(base({ stream: true, messages: [{ role: "user", content: text }] }));
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const frames = await sseFrames(res);
    for (const [name, data] of frames) expect(data.type).toBe(name);
    const names = frames.map(([n]) => n);
    expect(names[0]).toBe("message_start");
    expect(names.slice(1, 3)).toEqual(["content_block_start", "ping"]);
    expect(names.slice(-4)).toEqual(["content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    const recordedText = recordedEvents("anthropic-text.chunks.txt");
    expect(shape(frames[0]![1])).toEqual(shape(recordedText[0]));
    expect(shape(frames.at(-2)![1])).toEqual(shape(recordedText.at(-2)));
    const deltas = frames
      .filter(([n]) => n === "content_block_delta")
      .map(([, d]) => d.delta.text)
      .join("");
    expect(deltas).toBe(text);

    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: text }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text } as any]);
    expect(final.usage.output_tokens).toBe(4);
  });

  test("two parallel tool uses, then the tool results are accepted", async () => {
    fake.script({
      text: "Checking both.",
      toolUses: [
        { name: "get_weather", input: { city: "Paris" } },
        { name: "get_time", input: { tz: "Europe/Paris" } },
      ],
    });
    const tools = [
      { name: "get_weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } },
      { name: "get_time", input_schema: { type: "object" as const, properties: { tz: { type: "string" } } } },
    ];
    const first = await client.messages
      .stream({ model: MODEL, max_tokens: 256, tools, messages: [{ role: "user", content: "weather and time" }] })
      .finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    const uses = first.content.filter((b) => b.type === "tool_use") as Anthropic.ToolUseBlock[];
    expect(uses.map((u) => [u.name, u.input])).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_time", { tz: "Europe/Paris" }],
    ]);
    for (const u of uses) expect(u.id).toMatch(/^toolu_01/);

    fake.script({ text: "Sunny, 14:00." });
    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools,
      messages: [
        { role: "user", content: "weather and time" },
        { role: "assistant", content: first.content as any },
        { role: "user", content: uses.map((u) => ({ type: "tool_result" as const, tool_use_id: u.id, content: "ok" })) },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "Sunny, 14:00." } as any]);
  });

  test("thinking comes with a signature the fake checks when it comes back", async () => {
    fake.script({ thinking: "Let me think about it.", toolUses: [{ name: "lookup", input: { q: "x" } }] });
    const tools = [{ name: "lookup", input_schema: { type: "object" as const, properties: { q: { type: "string" } } } }];
    const thinking = { type: "enabled" as const, budget_tokens: 1024 };
    const first = await client.messages
      .stream({ model: MODEL, max_tokens: 2048, thinking, tools, messages: [{ role: "user", content: "look it up" }] })
      .finalMessage();
    const block = first.content[0] as Anthropic.ThinkingBlock;
    expect(block.type).toBe("thinking");
    expect(block.thinking).toBe("Let me think about it.");
    expect(block.signature).toBe(signThinking("Let me think about it."));
    expect(first.usage.output_tokens_details?.thinking_tokens).toBeGreaterThan(0);
    const use = first.content[1] as Anthropic.ToolUseBlock;
    const result = { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: use.id, content: "42" }] };
    const ask = { role: "user" as const, content: "look it up" };

    const ok = await client.messages.create({
      model: MODEL,
      max_tokens: 2048,
      thinking,
      tools,
      messages: [ask, { role: "assistant", content: first.content as any }, result],
    });
    expect(ok.stop_reason).toBe("end_turn");

    const tampered = { ...block, thinking: "something else" };
    const bad = await client.messages
      .create({ model: MODEL, max_tokens: 2048, thinking, tools, messages: [ask, { role: "assistant", content: [tampered, use] as any }, result] })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bad.message).toContain("Invalid `signature` in `thinking` block");

    const missing = await client.messages
      .create({ model: MODEL, max_tokens: 2048, thinking, tools, messages: [ask, { role: "assistant", content: [use] }, result] })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
    expect(missing.message).toContain("a final `assistant` message must start with a thinking block");
  });

  test("adaptive models omit the thinking text unless display is summarized", async () => {
    const ask = { model: "claude-opus-4-7", max_tokens: 4096, messages: [{ role: "user" as const, content: "think" }] };
    fake.script({ thinking: "deep thoughts", text: "done" });
    const omitted = await client.messages.create({ ...ask, thinking: { type: "adaptive" } });
    expect(omitted.content[0]).toMatchObject({ type: "thinking", thinking: "" });
    fake.script({ thinking: "deep thoughts", text: "done" });
    const shown = await client.messages.create({ ...ask, thinking: { type: "adaptive", display: "summarized" } });
    expect(shown.content[0]).toMatchObject({ type: "thinking", thinking: "deep thoughts" });
  });

  test("a stop sequence and max_tokens cut the text with their stop reasons", async () => {
    const stopped = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      stop_sequences: ["STOP"],
      messages: [{ role: "user", content: "one two STOP three" }],
    });
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe("STOP");
    expect(stopped.content).toEqual([{ type: "text", text: "one two " } as any]);
    const cut = await client.messages.create({ model: MODEL, max_tokens: 2, messages: [{ role: "user", content: "one two three four" }] });
    expect(cut.stop_reason).toBe("max_tokens");
    expect(cut.usage.output_tokens).toBe(2);
  });
});

describe("errors like the real API", () => {
  test("auth: missing or wrong key → 401 authentication_error with a request id", async () => {
    const missing = await post(base(), { "x-api-key": null });
    expect(missing.status).toBe(401);
    const body: any = await missing.json();
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error", message: "x-api-key header is required" } });
    expect(body.request_id).toBe(missing.headers.get("request-id"));
    const wrong = await new Anthropic({ baseURL: fake.url, apiKey: "sk-ant-wrong", maxRetries: 0 }).messages
      .create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(wrong.message).toContain("invalid x-api-key");
    // x-api-key wins over a Bearer token when both are sent.
    const both = await post(base(), { authorization: "Bearer sk-ant-wrong" });
    expect(both.status).toBe(200);
  });

  test("anthropic-version is required", async () => {
    const res = await post(base(), { "anthropic-version": null });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe("anthropic-version: header is required");
  });

  const invalid = async (body: unknown, message: string, headers: Record<string, string | null> = {}) => {
    const res = await post(body, headers);
    const json: any = await res.json();
    expect(res.status).toBe(400);
    expect(json.error.type).toBe("invalid_request_error");
    expect(json.error.message).toContain(message);
  };

  test("missing max_tokens, unknown fields, unknown model", async () => {
    await invalid({ model: MODEL, messages: [{ role: "user", content: "x" }] }, "max_tokens: Field required");
    await invalid(base({ n: 2 }), "n: Extra inputs are not permitted");
    await invalid(base({ max_tokens: 100_000 }), "max_tokens: 100000 > 64000");
    const unknown = await post(base({ model: "claude-nope" }));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error).toEqual({ type: "not_found_error", message: "model: claude-nope" });
  });

  test("conversation rules: system role, orphan tool_result, empty content, tool_result order", async () => {
    await invalid(
      base({
        messages: [
          { role: "user", content: "a" },
          { role: "system", content: "b" },
        ],
      }),
      "messages.1: role 'system' is not supported on this model",
    );
    const orphan = [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01abc", content: "x" }] }];
    await invalid(base({ messages: orphan }), "unexpected `tool_use_id` found in `tool_result` blocks: toolu_01abc");
    const unanswered = [
      { role: "user", content: "a" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_01x", name: "f", input: {} }] },
      { role: "user", content: "b" },
    ];
    await invalid(base({ messages: unanswered }), "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_01x");
    await invalid(base({ messages: [{ role: "user", content: "" }] }), "all messages must have non-empty content");
    await invalid(base({ messages: [{ role: "user", content: [{ type: "text", text: "" }] }] }), "text content blocks must be non-empty");
    await invalid(base({ messages: [{ role: "user", content: [{ type: "text", text: "  " }] }] }), "must contain non-whitespace text");
    const late = [
      { role: "user", content: "a" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_01y", name: "f", input: {} }] },
      {
        role: "user",
        content: [
          { type: "text", text: "see" },
          { type: "tool_result", tool_use_id: "toolu_01y" },
        ],
      },
    ];
    await invalid(base({ messages: late }), "`tool_result` blocks must come before any other content");
  });

  test("what the API accepts: an assistant turn first, consecutive same-role turns, a system turn on Opus 4.8", async () => {
    const ok = await post(
      base({
        messages: [
          { role: "assistant", content: "Hello!" },
          { role: "user", content: "a" },
          { role: "user", content: "b" },
        ],
      }),
    );
    expect(ok.status).toBe(200);
    const mid = await post(
      base({
        model: "claude-opus-4-8",
        messages: [
          { role: "user", content: "a" },
          { role: "system", content: "be terse" },
        ],
      }),
    );
    expect(mid.status).toBe(200);
  });

  test("sampling: refused on 2026-10-21, deprecated on Opus 4.7, one of two on Haiku 4.5, and with thinking", async () => {
    await invalid(base({ temperature: 0.5 }), "temperature: Extra inputs are not permitted", { "anthropic-version": "2026-10-21" });
    await invalid(base({ model: "claude-opus-4-7", temperature: 0.5 }), "`temperature` is deprecated for this model.");
    await invalid(base({ temperature: 0.5, top_p: 0.9 }), "`temperature` and `top_p` cannot both be specified for this model.");
    await invalid(
      base({ max_tokens: 2048, temperature: 0.5, thinking: { type: "enabled", budget_tokens: 1024 } }),
      "`temperature` may only be set to 1 when thinking is enabled",
    );
    await invalid(base({ temperature: 1.5 }), "temperature: Input should be less than or equal to 1");
  });

  test("thinking: budget rules, adaptive-only models, forced tool choice", async () => {
    await invalid(base({ max_tokens: 1024, thinking: { type: "enabled", budget_tokens: 1024 } }), "`max_tokens` must be greater than `thinking.budget_tokens`");
    await invalid(base({ max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 500 } }), "greater than or equal to 1024");
    await invalid(
      base({ model: "claude-sonnet-5", max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 2048 } }),
      '"thinking.type.enabled" is not supported for this model',
    );
    const tools = [{ name: "f", input_schema: { type: "object" } }];
    await invalid(
      base({ max_tokens: 4096, tools, tool_choice: { type: "any" }, thinking: { type: "enabled", budget_tokens: 2048 } }),
      "Thinking may not be enabled when tool_choice forces tool use.",
    );
  });

  test("a 429 carries retry-after and the rate-limit headers", async () => {
    fake.script(rateLimited(7));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("7");
    expect(err.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(err.type).toBe("rate_limit_error");
    expect(err.requestID).toMatch(/^req_011C/);
  });

  test("a 529 is overloaded_error", async () => {
    fake.script(overloaded());
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.type).toBe("overloaded_error");
  });

  test("any scripted error keeps its status and type", async () => {
    fake.script(anthropicError(403, "permission_error", "Your API key does not have permission to use the specified resource."));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  test("an error event mid-stream makes the SDK throw", async () => {
    fake.script({ text: "one two three four five", failAfter: 4 });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "x" }] });
    const err = await stream.finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.message).toContain("Overloaded");
  });
});

describe("prompt caching like the real API", () => {
  const manual = () => `Manual ${crypto.randomUUID()}. ${"Every rule, in order. ".repeat(250)}`;
  const ask = (system: string, cache_control: Anthropic.CacheControlEphemeral = { type: "ephemeral" }) =>
    client.messages.create({
      model: MODEL,
      max_tokens: 50,
      system: [{ type: "text", text: system, cache_control }],
      messages: [{ role: "user", content: said() }],
    });

  test("the first call writes the prefix, the next reads it; only what follows the breakpoint is input", async () => {
    const system = manual();
    const first = await ask(system);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(first.usage.cache_creation_input_tokens!);
    const second = await ask(system);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens!);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    // A one-hour breakpoint is written to the one-hour bucket.
    const hourly = await ask(manual(), { type: "ephemeral", ttl: "1h" });
    expect(hourly.usage.cache_creation?.ephemeral_1h_input_tokens).toBe(hourly.usage.cache_creation_input_tokens!);
  });

  test("a prefix under the minimum is not cached, silently", async () => {
    const r = await ask("short rules");
    expect(r.usage.cache_creation_input_tokens).toBe(0);
    expect(r.usage.cache_read_input_tokens).toBe(0);
  });

  test("five breakpoints, a bad ttl, a 1h after a 5m: 400s", async () => {
    const part = { type: "text" as const, text: "x", cache_control: { type: "ephemeral" as const } };
    const five = await client.messages
      .create({ model: MODEL, max_tokens: 5, messages: [{ role: "user", content: [part, part, part, part, part] }] })
      .catch((e) => e);
    expect(five).toBeInstanceOf(Anthropic.BadRequestError);
    expect(five.message).toContain("A maximum of 4 blocks with cache_control may be provided. Found 5.");
    // The top-level (automatic) breakpoint counts as one of the four.
    const auto = await post({
      model: MODEL,
      max_tokens: 5,
      cache_control: { type: "ephemeral" },
      messages: [{ role: "user", content: [part, part, part, part] }],
    });
    expect(((await auto.json()) as any).error.message).toContain("Found 5.");
    const ttl = await ask("x", { type: "ephemeral", ttl: "2h" } as any).catch((e) => e);
    expect(ttl.status).toBe(400);
    expect(ttl.message).toContain("system.0.cache_control.ephemeral.ttl");
    const order = await client.messages
      .create({
        model: MODEL,
        max_tokens: 5,
        system: [{ ...part, cache_control: { type: "ephemeral" } }],
        messages: [{ role: "user", content: [{ ...part, cache_control: { type: "ephemeral", ttl: "1h" } }] }],
      })
      .catch((e) => e);
    expect(order.status).toBe(400);
    const inner = await post({
      model: MODEL,
      max_tokens: 5,
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "f", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ ...part }] }] },
      ],
    });
    expect(inner.status).toBe(400);
    expect(((await inner.json()) as any).error.message).toContain("cache_control may not be specified within `tool_result.content`");
  });
});

describe("held streams", () => {
  test("a gate holds the stream event by event, and a client that leaves is seen as aborted", async () => {
    const gate = streamGate({ initial: 2 });
    fake.script({ text: "one two three four five six", gate });
    const res = await post(base({ stream: true, messages: [{ role: "user", content: "slow" }] }));
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    await gate.waiting();
    // Two units out: the headers with message_start, then the first content_block_start; nothing more.
    while (!seen.includes("content_block_start")) seen += decoder.decode((await reader.read()).value);
    expect(gate.sent).toBe(2);
    expect(seen).not.toContain("ping");
    gate.release();
    while (!seen.includes("event: ping")) seen += decoder.decode((await reader.read()).value);
    expect(gate.sent).toBe(3);
    const aborted = fake.aborted();
    await reader.cancel();
    expect(((await aborted).body as any).messages[0].content).toBe("slow");
  });
});
