import { describe, expect, test } from "bun:test";
import { Config } from "../../../src/config/schema.ts";
import { openaiCompatible } from "../../../src/providers/openai-compatible.ts";
import { PROVIDERS } from "../../../src/providers/registry.ts";
import type { Target } from "../../../src/providers/types.ts";
import { UpstreamBody } from "../../../src/providers/upstream-body.ts";
import { Call } from "../../../src/server/call.ts";
import { finishOnce } from "../../../src/server/pipeline/finish.ts";
import { relayStream } from "../../../src/server/pipeline/stream-relay.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";

const enc = new TextEncoder();
const target: Target = { provider: PROVIDERS.get("openai")!, model: "gpt-4o-mini", baseUrl: "http://127.0.0.1:9", key: "k", headers: {} };
const event = (content: string | null, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;
const usage = `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;

const contents = (written: string) =>
  written
    .split("\n\n")
    .filter(Boolean)
    .map((f) => JSON.parse(f.slice(6)).choices[0].delta.content);

/** The relay over an upstream the test feeds by hand, read by a client the test drives. */
async function relay(opening = event("", null), clientWantsUsage = false) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const upstream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const send = (s: string) => controller.enqueue(enc.encode(s));
  const traces: TraceRecord[] = [];
  const call = new Call();
  call.provider = "openai";
  call.model = "gpt-4o-mini";
  const body = new UpstreamBody(upstream, { ms: 5_000, provider: "openai" });
  const rest = openaiCompatible.streamChunks(body, target)[Symbol.asyncIterator]();
  send(opening);
  const first = await rest.next();
  const out = relayStream(
    { first: first.done ? null : first.value, rest, body },
    {
      call,
      config: Config.parse({}),
      finish: finishOnce(call, { enqueue: (r: TraceRecord) => traces.push(r), discards: false }, () => {}),
      clientWantsUsage,
      keepText: true,
      abort: new AbortController(),
    },
  );
  return { send, end: () => controller.close(), client: out.getReader(), traces };
}

/** Mistral's finishing chunk: the finish_reason and the usage together, no usage chunk after it. */
const finishWithUsage = `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "mistral-small-latest", choices: [{ index: 0, delta: { content: "" }, finish_reason: "stop" }], usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } })}\n\n`;

async function readAll(client: { read(): Promise<{ done: boolean; value?: string }> }): Promise<any[]> {
  let text = "";
  for (let r = await client.read(); !r.done; r = await client.read()) text += r.value;
  return text
    .split("\n\n")
    .filter((f) => f && f !== "data: [DONE]")
    .map((f) => JSON.parse(f.slice(6)));
}

describe("usage on the finishing chunk (Mistral, Together, Fireworks)", () => {
  test("with include_usage, the usage moves to the last chunk, as OpenAI sends it; no other chunk carries it", async () => {
    const { send, end, client } = await relay(event(""), true);
    send(`${event("hi")}${finishWithUsage}data: [DONE]\n\n`);
    end();
    const chunks = await readAll(client);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
    expect(last._cost).toBeDefined();
    expect(chunks.slice(0, -1).map((c) => c.usage ?? null)).toEqual(chunks.slice(0, -1).map(() => null));
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
  });

  test("without include_usage, the finishing chunk is the last one and carries the usage", async () => {
    const { send, end, client } = await relay(event(""), false);
    send(`${event("hi")}${finishWithUsage}data: [DONE]\n\n`);
    end();
    const last = (await readAll(client)).at(-1)!;
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage).toEqual({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
  });
});

describe("stream relay", () => {
  test("events that arrive in one network read reach the client in one write", async () => {
    const { send, client } = await relay();
    expect(contents((await client.read()).value!)).toEqual([""]); // the role chunk
    send(event("a") + event("b") + event("c"));
    expect(contents((await client.read()).value!)).toEqual(["a", "b", "c"]);
  });

  test("the first chunk goes out on its own, then each network read's chunks as one write", async () => {
    const { send, client } = await relay(event("") + event("a") + event("b"));
    expect(contents((await client.read()).value!)).toEqual([""]);
    expect(contents((await client.read()).value!)).toEqual(["a", "b"]);
    send(event("c") + event("d"));
    expect(contents((await client.read()).value!)).toEqual(["c", "d"]);
  });

  test("nothing is held back while the upstream is quiet: each read is delivered before the next arrives", async () => {
    const { send, end, client, traces } = await relay();
    const seen = contents((await client.read()).value!);
    for (const piece of ["one", "two", "three"]) {
      send(event(piece));
      // The upstream sends nothing more until the client has this piece; a relay that waited
      // for more before writing would hang here and fail on the test timeout.
      seen.push(...contents((await client.read()).value!));
    }
    expect(seen).toEqual(["", "one", "two", "three"]);
    send(`${event(null, "stop") + usage}data: [DONE]\n\n`);
    end();
    let rest = "";
    for (let n = await client.read(); !n.done; n = await client.read()) rest += n.value;
    const frames = rest.split("\n\n").filter(Boolean);
    expect(frames.at(-1)).toBe("data: [DONE]");
    const last = JSON.parse(frames.at(-2)!.slice(6));
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.total_tokens).toBe(5);
    expect(last._routing.provider).toBe("openai");
    expect(traces).toHaveLength(1);
    expect(traces[0]!.response).toEqual([{ role: "assistant", content: "onetwothree" }]);
  });
});
