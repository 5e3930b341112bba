import { describe, expect, test } from "bun:test";
import { NativeMessagesEncoder, nativeAdapter } from "../../../src/dialects/anthropic-messages/native.ts";
import { getProvider } from "../../../src/providers/registry.ts";
import type { StreamChunk, Target } from "../../../src/providers/types.ts";
import { UpstreamBody } from "../../../src/providers/upstream-body.ts";
import { eachChunk } from "../../helpers/translated-chunks.ts";

const anthropic = getProvider("anthropic")!;
const target = (headers: Record<string, string> = {}): Target => ({
  provider: anthropic,
  model: "claude-haiku-4-5",
  baseUrl: "https://api.example",
  headers,
  key: "sk-ant-x",
});
const frame = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

describe("nativeAdapter", () => {
  test("the client's body with the target's model and the stream flag; its version and betas, joined with config's", async () => {
    const adapter = nativeAdapter({
      body: { model: "anthropic/claude-haiku-4-5", max_tokens: 9, top_k: 3, stream: true, messages: [] },
      version: "2023-06-01",
      beta: "b-client",
    });
    const streamed = await adapter.buildRequest({ model: "x", messages: [] }, target({ "anthropic-beta": "b-config", "x-extra": "1" }), true);
    expect(streamed.url).toBe("https://api.example/v1/messages");
    expect(streamed.init.headers).toEqual({
      "content-type": "application/json",
      "anthropic-beta": "b-config,b-client",
      "x-extra": "1",
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant-x",
    });
    expect(JSON.parse(streamed.init.body as string)).toEqual({ model: "claude-haiku-4-5", max_tokens: 9, top_k: 3, stream: true, messages: [] });
    const whole = await adapter.buildRequest({ model: "x", messages: [] }, target(), false);
    expect(JSON.parse(whole.init.body as string).stream).toBeUndefined();
    expect((whole.init.headers as Record<string, string>)["anthropic-beta"]).toBe("b-client");
  });

  test("streamChunks: every upstream frame rides on a chunk, and the OpenAI chunks still carry the usage", async () => {
    const frames = [
      frame("message_start", {
        message: {
          id: "msg_1",
          type: "message",
          role: "assistant",
          model: "claude-haiku-4-5",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 7, output_tokens: 1 },
        },
      }),
      frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      frame("ping", {}),
      frame("content_block_delta", { index: 0, delta: { type: "text_delta", text: "hi" } }),
      frame("content_block_stop", { index: 0 }),
      frame("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } }),
      frame("message_stop", {}),
    ];
    const bytes = new TextEncoder().encode(frames.join(""));
    const body = new UpstreamBody(new Response(bytes).body!, { ms: 5000, provider: "anthropic" });
    const chunks: StreamChunk[] = [];
    for await (const sc of eachChunk(nativeAdapter({ body: {}, version: null, beta: null }).streamChunks(body, target()))) chunks.push(sc);
    expect(chunks.map((c) => c.nativeFrame).filter(Boolean)).toEqual(frames);
    expect(chunks.find((c) => c.chunk.usage)!.chunk.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });

    const enc = new NativeMessagesEncoder();
    let out = "";
    for (const c of chunks) out += enc.chunk(c);
    expect(out).toBe(frames.slice(0, 5).join(""));
    out += enc.end(null, { _cost: 0.25, _latency_ms: 3, _routing: { provider: "anthropic" } });
    expect(out.endsWith(frames[6]!)).toBe(true);
    const delta = JSON.parse(/event: message_delta\ndata: (.*)\n/.exec(out)![1]!);
    expect(delta).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 3 },
      _cost: 0.25,
      _latency_ms: 3,
      _routing: { provider: "anthropic" },
    });
  });

  test("a failure is an error event keeping Anthropic's own type", () => {
    const out = new NativeMessagesEncoder().fail({
      status: 529,
      error: { message: "Overloaded", type: "overloaded_error", param: null, code: null },
      headers: {},
    });
    expect(out).toBe(
      `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, request_id: null })}\n\n`,
    );
  });
});
