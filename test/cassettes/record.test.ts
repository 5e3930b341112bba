import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cassetteKey, cassetteRequest } from "../../src/cassettes/key.ts";
import { recordedHeaders, recordingFetch } from "../../src/cassettes/record.ts";
import { CassetteWriter, decodeChunk, loadCassettes } from "../../src/cassettes/store.ts";
import { rateLimited, startFakeOpenAI, streamGate, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually } from "../helpers/clickhouse.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

const tempDir = () => join(mkdtempSync(join(tmpdir(), "opentracy-cassette-record-")), "c");
const chat = (content: string, stream = false) => ({
  method: "POST",
  headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
  body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }], ...(stream ? { stream: true } : {}) }),
});
const url = () => `${fake.url}/chat/completions`;
const fileOf = (dir: string, init: RequestInit) => join(dir, `${cassetteKey(cassetteRequest(url(), init))}.json`);

describe("recordingFetch", () => {
  test("a stream reaches the caller live, read by read, and is recorded with the same reads once it has ended", async () => {
    const dir = tempDir();
    const record = recordingFetch(new CassetteWriter(dir));
    const gate = streamGate({ initial: 1 });
    fake.script({ content: "one two three four", gate });
    const init = chat("live", true);
    const res = await record(url(), init);
    const reader = res.body!.getReader();
    const first = await reader.read();
    // The fake still holds the rest: the first bytes came through before the answer was complete.
    await gate.waiting();
    expect(new TextDecoder().decode(first.value)).toStartWith("data: ");
    expect(existsSync(fileOf(dir, init))).toBe(false);
    gate.releaseAll();
    reader.releaseLock();
    const got = [first.value!, ...(await Array.fromAsync(res.body!))];
    const file = await eventually(() => existsSync(fileOf(dir, init)) && loadCassettes(dir), 5000, "the recording");
    const answer = [...file.values()][0]!.answers[0]!;
    expect(answer.status).toBe(200);
    expect(answer.chunks.map((c) => [...decodeChunk(c)])).toEqual(got.map((c) => [...c]));
    expect(answer.chunks.map((c) => c.ms)).toEqual([...answer.chunks.map((c) => c.ms)].sort((a, b) => a - b));
    expect(answer.headers["content-type"]).toStartWith("text/event-stream");
  });

  test("an answer cut off (the caller left) is not recorded; the next whole one is", async () => {
    const dir = tempDir();
    const record = recordingFetch(new CassetteWriter(dir));
    const gate = streamGate({ initial: 1 });
    fake.script({ content: "never finished", gate });
    const cut = await record(url(), chat("cut", true));
    const reader = cut.body!.getReader();
    await reader.read();
    await reader.cancel();
    // The caller's leaving reaches the upstream through the recording.
    expect((await fake.aborted()).body).toMatchObject({ messages: [{ content: "cut" }] });
    gate.releaseAll();
    const whole = chat("whole");
    await (await record(url(), whole)).text();
    await eventually(() => existsSync(fileOf(dir, whole)), 5000, "the whole answer's recording");
    expect(readdirSync(dir).filter((f) => f.endsWith(".json"))).toEqual([`${cassetteKey(cassetteRequest(url(), whole))}.json`]);
  });

  test("an upstream error is recorded as answered, with its status and Retry-After", async () => {
    const dir = tempDir();
    const record = recordingFetch(new CassetteWriter(dir));
    fake.script(rateLimited(2));
    const init = chat("limited");
    const res = await record(url(), init);
    expect(res.status).toBe(429);
    const text = await res.text();
    const answer = await eventually(() => existsSync(fileOf(dir, init)) && [...loadCassettes(dir).values()][0]!.answers[0], 5000, "the recording");
    expect(answer.status).toBe(429);
    expect(answer.headers["retry-after"]).toBe("2");
    expect(answer.chunks.map((c) => new TextDecoder().decode(decodeChunk(c))).join("")).toBe(text);
  });
});

test("recordedHeaders keeps rate limits and ordinary headers, drops cookies, auth, anything named like a secret and the wire's framing", () => {
  const kept = recordedHeaders(
    new Headers({
      "content-type": "application/json",
      "x-request-id": "req_1",
      "retry-after": "1",
      "x-ratelimit-remaining-tokens": "5",
      "anthropic-ratelimit-tokens-limit": "9",
      "set-cookie": "s=1",
      "www-authenticate": "Bearer",
      "x-api-key": "sk",
      "x-session-token": "t",
      "x-amz-security-token": "t",
      "content-length": "10",
      "content-encoding": "gzip",
    }),
  );
  expect(kept).toEqual({
    "content-type": "application/json",
    "x-request-id": "req_1",
    "retry-after": "1",
    "x-ratelimit-remaining-tokens": "5",
    "anthropic-ratelimit-tokens-limit": "9",
  });
});
