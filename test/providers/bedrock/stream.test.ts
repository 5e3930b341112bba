import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { bedrockAdapter } from "../../../src/providers/bedrock/index.ts";
import { bedrockTarget, byteStream, collect, concat, contentOf, eventFrame, exceptionFrame, fixture, framesFromLines } from "./helpers.ts";
import { eachChunk } from "../../helpers/translated-chunks.ts";

const target = bedrockTarget();
const run = (frames: Uint8Array[], reads?: number[]) => collect(bedrockAdapter.streamChunks(byteStream(frames, reads), target));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e) => e as UpstreamError,
  );

const recordedDeltas = (name: string, pick: (delta: any) => string | undefined) =>
  fixture(name)
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).contentBlockDelta?.delta)
    .filter(Boolean)
    .map((d) => pick(d) ?? "")
    .join("");

describe("recorded ConverseStream events", () => {
  test("text: role first, every delta in order, finish, then the usage chunk", async () => {
    const chunks = await run(framesFromLines(fixture("amazon-bedrock-text.chunks.txt")));
    expect(chunks[0].choices[0].delta as unknown).toEqual({ role: "assistant", content: "" });
    expect(contentOf(chunks)).toBe(recordedDeltas("amazon-bedrock-text.chunks.txt", (d) => d.text));
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish).toHaveLength(1);
    expect(finish[0].choices[0].finish_reason).toBe("stop");
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 22, completion_tokens: 55, total_tokens: 77 });
    // One id, one model, one created for the whole stream, as OpenAI sends.
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === target.model)).toBe(true);
  });

  test("reasoning: thinking deltas become reasoning_content, the signature is not text", async () => {
    const chunks = await run(framesFromLines(fixture("amazon-bedrock-reasoning.chunks.txt")));
    const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("");
    expect(reasoning).toBe(recordedDeltas("amazon-bedrock-reasoning.chunks.txt", (d) => d.reasoningContent?.text));
    expect(contentOf(chunks)).toBe(recordedDeltas("amazon-bedrock-reasoning.chunks.txt", (d) => d.text));
    expect(JSON.stringify(chunks)).not.toContain("Ep0CCkgICxABGAIqQOWPB6");
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(94);
  });

  test("tool call (metadata before messageStop, no messageStart): id and name first, arguments in pieces", async () => {
    const chunks = await run(framesFromLines(fixture("amazon-bedrock-tool-call.1.chunks.txt")));
    expect(chunks[0].choices[0].delta as unknown).toEqual({
      role: "assistant",
      tool_calls: [{ index: 0, id: "tool-use-id", type: "function", function: { name: "test-tool", arguments: "" } }],
    });
    const args = chunks
      .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
      .map((t) => t.function?.arguments ?? "")
      .join("");
    expect(JSON.parse(args)).toEqual({ value: "Sparkle Day" });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.find((c) => c.usage)!.usage!.prompt_tokens).toBe(125);
  });

  test("a tool without arguments gets '{}', like the non-streaming input {}", async () => {
    const chunks = await run(framesFromLines(fixture("amazon-bedrock-tool-no-args.chunks.txt")));
    expect(contentOf(chunks)).toBe("I'll update the issue list for you.");
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: "tool-use-id", function: { name: "updateIssueList" } });
    expect(calls.map((t) => t.function?.arguments ?? "").join("")).toBe("{}");
  });
});

describe("framing", () => {
  const frames = framesFromLines(fixture("amazon-bedrock-reasoning.chunks.txt"));

  test("one byte per read gives the same chunks as one frame per read", async () => {
    const strip = (cs: any[]) => cs.map(({ id, created, ...rest }) => rest);
    expect(strip(await run(frames, [1]))).toEqual(strip(await run(frames)));
  });

  test("any split of the bytes into reads gives the same chunks (property)", async () => {
    const strip = (cs: any[]) => cs.map(({ id, created, ...rest }) => rest);
    const whole = strip(await run(frames));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        expect(strip(await run(frames, sizes))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  test("chunks flow while the upstream is still sending (nothing waits for the end)", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 0) controller.enqueue(eventFrame("messageStart", { role: "assistant" }));
        else if (sent === 1) controller.enqueue(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "early" } }));
        else if (sent === 2) {
          await held;
          controller.enqueue(eventFrame("messageStop", { stopReason: "end_turn" }));
        } else controller.close();
        sent++;
      },
    });
    const it = eachChunk(bedrockAdapter.streamChunks(body, target));
    expect((await it.next()).value.chunk.choices[0].delta.role).toBe("assistant");
    expect((await it.next()).value.chunk.choices[0].delta.content).toBe("early");
    release();
    expect((await it.next()).value.chunk.choices[0].finish_reason).toBe("stop");
    expect((await it.next()).done).toBe(true);
  });

  test("a stream cut inside a frame, or before messageStop, is a 502, not a short answer", async () => {
    const all = concat(frames);
    const cut = await failure(collect(bedrockAdapter.streamChunks(byteStream([all.slice(0, all.length - 5)]), target)));
    expect(cut?.mapped.status).toBe(502);
    expect(cut?.mapped.error.message).toContain("middle of a frame");
    const early = await failure(run(frames.slice(0, 5)));
    expect(early?.mapped.status).toBe(502);
    expect(early?.mapped.error.message).toContain("before messageStop");
  });

  test("a frame with a bad checksum is a 502", async () => {
    const bad = frames[1].slice();
    bad[bad.length - 6] ^= 0xff;
    const err = await failure(run([frames[0], bad]));
    expect(err?.mapped.status).toBe(502);
    expect(err?.mapped.error.message).toContain("undecodable event-stream frame");
  });
});

describe("exception frames", () => {
  test.each([
    ["throttlingException", 429, "ThrottlingException"],
    ["modelStreamErrorException", 502, "ModelStreamErrorException"],
    ["validationException", 400, "ValidationException"],
    ["serviceUnavailableException", 503, "ServiceUnavailableException"],
    ["internalServerException", 500, "InternalServerException"],
  ])("%s mid-stream → UpstreamError %d after the chunks already sent", async (type, status, code) => {
    const frames = [
      eventFrame("messageStart", { role: "assistant" }),
      eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "partial" } }),
      exceptionFrame(type, { message: "it broke" }),
    ];
    const seen: string[] = [];
    const err = await failure(
      (async () => {
        for await (const c of eachChunk(bedrockAdapter.streamChunks(byteStream(frames), target))) seen.push(c.chunk.choices[0]?.delta.content ?? "");
      })(),
    );
    expect(seen.join("")).toBe("partial");
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err!.mapped.status).toBe(status);
    expect(err!.mapped.error.code).toBe(code);
    expect(err!.mapped.error.message).toBe("it broke");
  });

  test("ModelStreamErrorException keeps the model's own message", async () => {
    const err = await failure(
      run([exceptionFrame("modelStreamErrorException", { message: "Model failed", originalStatusCode: 400, originalMessage: "bad tokens" })]),
    );
    expect(err!.mapped.error.message).toBe("Model failed (model said: bad tokens)");
  });
});

describe("reasoning blocks on streamed tool calls", () => {
  test("a signed block is carried on the first delta of the tool call after it", async () => {
    const frames = [
      eventFrame("messageStart", { role: "assistant" }),
      eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "I should " } } }),
      eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "call it" } } }),
      eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "SIG" } } }),
      eventFrame("contentBlockStop", { contentBlockIndex: 0 }),
      eventFrame("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t1", name: "f" } } }),
      eventFrame("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: '{"a":1}' } } }),
      eventFrame("contentBlockStop", { contentBlockIndex: 1 }),
      eventFrame("contentBlockStart", { contentBlockIndex: 2, start: { toolUse: { toolUseId: "t2", name: "g" } } }),
      eventFrame("contentBlockStop", { contentBlockIndex: 2 }),
      eventFrame("messageStop", { stopReason: "tool_use" }),
    ];
    const calls = (await run(frames)).flatMap((c) => c.choices[0]?.delta.tool_calls ?? []) as any[];
    const starts = calls.filter((t) => t.id);
    expect(starts.map((t) => [t.index, t.id])).toEqual([
      [0, "t1"],
      [1, "t2"],
    ]);
    expect(starts[0].reasoning_blocks).toEqual([{ reasoningText: { text: "I should call it", signature: "SIG" } }]);
    expect(starts[1].reasoning_blocks).toBeUndefined();
  });
});
