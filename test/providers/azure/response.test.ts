import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { azureAdapter } from "../../../src/providers/azure/index.ts";
import { UpstreamError } from "../../../src/providers/errors.ts";
import { azureTarget, collect, sseBody } from "./helpers.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
const completionText = readFileSync(join(FIXTURES, "azure-text.json"), "utf8");
const recordedChunks = readFileSync(join(FIXTURES, "azure-text.chunks.txt"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));

const stream = (chunks: unknown[], opts?: { done?: boolean }) => collect(azureAdapter.streamChunks(sseBody(chunks, opts), azureTarget()));

describe("non-stream", () => {
  test("Azure's answer reaches the client whole: content filter results, prompt filter results, usage", () => {
    const out: any = azureAdapter.parseResponse(completionText, azureTarget());
    expect(out).toEqual(JSON.parse(completionText));
    expect(out.prompt_filter_results[0].content_filter_results.jailbreak.filtered).toBe(false);
    expect(out.choices[0].content_filter_results.protected_material_code.detected).toBe(false);
  });
});

describe("stream", () => {
  test("no chunk without choices reaches the client unless it carries usage; prompt_filter_results rides on the role chunk", async () => {
    const out = await stream(recordedChunks);
    for (const { chunk } of out) if (chunk.choices.length === 0) expect(chunk.usage).toBeTruthy();
    expect(out[0].chunk.choices[0].delta).toEqual({ content: "", refusal: null, role: "assistant" });
    expect((out[0].chunk as any).prompt_filter_results).toEqual(recordedChunks[0].prompt_filter_results);
    expect(out[0].chunk.id).toBe("chatcmpl-AkQ2f0Ht7WbNc4jYg2L1oUpSrXvTz");
    expect(out.map((c) => c.chunk.choices[0]?.delta?.content ?? "").join("")).toBe("The capital of France is Paris.");
    expect(out.at(-1)!.chunk.usage).toMatchObject({ prompt_tokens: 1412, prompt_tokens_details: { cached_tokens: 1280 } });
  });

  test("an asynchronous-filter annotation gets an empty delta and the stream's real id, model and time", async () => {
    const out = await stream(recordedChunks);
    const annotation: any = out.find((c) => (c.chunk.choices[0] as any)?.content_filter_offsets)!.chunk;
    expect(annotation.choices[0].delta).toEqual({});
    expect(annotation).toMatchObject({
      id: "chatcmpl-AkQ2f0Ht7WbNc4jYg2L1oUpSrXvTz",
      model: "gpt-4o-2024-08-06",
      object: "chat.completion.chunk",
      created: 1735689601,
    });
    expect(annotation.choices[0].content_filter_results.violence.filtered).toBe(false);
  });

  test("untouched chunks pass byte for byte; rewritten ones drop their raw text", async () => {
    const out = await stream(recordedChunks);
    expect(out[0].raw).toBeUndefined();
    expect(out[1].raw).toBe(JSON.stringify(recordedChunks[2]));
    expect(out.filter((c) => c.raw === undefined)).toHaveLength(2);
  });

  test("an error event mid-stream, and a stream cut before [DONE], are errors", async () => {
    const error = { error: { code: "InternalServerError", message: "The server had an error while processing your request." } };
    await expect(stream([...recordedChunks.slice(0, 4), error], { done: false })).rejects.toBeInstanceOf(UpstreamError);
    await expect(stream(recordedChunks.slice(0, 4), { done: false })).rejects.toThrow("the stream ended without [DONE]");
  });
});
