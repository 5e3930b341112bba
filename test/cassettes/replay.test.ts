import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cassetteRequest } from "../../src/cassettes/key.ts";
import { replayingFetch } from "../../src/cassettes/replay.ts";
import { CassetteWriter, encodeChunk, loadCassettes, type RecordedAnswer } from "../../src/cassettes/store.ts";
import { UpstreamError } from "../../src/providers/errors.ts";

const URL_ = "http://127.0.0.1:9/v1/chat/completions";
const init = (content: string, extra: Record<string, unknown> = {}): RequestInit => ({
  method: "POST",
  headers: { authorization: "Bearer whatever" },
  body: JSON.stringify({ model: "m", messages: [{ role: "user", content }], ...extra }),
});
const bytes = (s: string) => new TextEncoder().encode(s);

/** A cassette folder holding `answers` for each request. */
async function cassette(entries: [RequestInit, RecordedAnswer[]][]): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-replay-")), "c");
  const writer = new CassetteWriter(dir);
  for (const [req, answers] of entries) for (const a of answers) writer.add(cassetteRequest(URL_, req), a);
  await writer.settled();
  return dir;
}

const euro = bytes("data: €\n\n");
const streamed: RecordedAnswer = {
  status: 200,
  headers: { "content-type": "text/event-stream", "x-request-id": "req_1" },
  headers_ms: 150,
  // The euro sign split across two reads, as a network may split it.
  chunks: [encodeChunk(150, euro.slice(0, 8)), encodeChunk(160, euro.slice(8)), encodeChunk(400, bytes("data: [DONE]\n\n"))],
};
const whole = (text: string): RecordedAnswer => ({
  status: 200,
  headers: { "content-type": "application/json" },
  headers_ms: 1,
  chunks: [encodeChunk(2, bytes(text))],
});

async function reads(res: Response): Promise<{ at: number; bytes: number[] }[]> {
  const out: { at: number; bytes: number[] }[] = [];
  for await (const c of res.body!) out.push({ at: performance.now(), bytes: [...c] });
  return out;
}

describe("replayingFetch", () => {
  test("answers with the recorded status, headers and reads, byte for byte and read for read", async () => {
    const dir = await cassette([[init("stream"), [streamed]]]);
    const replay = replayingFetch(loadCassettes(dir), dir, "none");
    const res = await replay(URL_, init("stream"));
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toEqual(streamed.headers);
    expect((await reads(res)).map((r) => r.bytes)).toEqual([[...euro.slice(0, 8)], [...euro.slice(8)], [...bytes("data: [DONE]\n\n")]]);
  });

  test("the same request recorded several times gets the answers in order, then the last one again", async () => {
    const dir = await cassette([[init("twice"), [whole("first"), whole("second")]]]);
    const replay = replayingFetch(loadCassettes(dir), dir, "none");
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push(await (await replay(URL_, init("twice"))).text());
    expect(texts).toEqual(["first", "second", "second"]);
  });

  test("timing real: the headers and each read no earlier than recorded", async () => {
    const dir = await cassette([[init("timed"), [streamed]]]);
    const replay = replayingFetch(loadCassettes(dir), dir, "real");
    const t0 = performance.now();
    const res = await replay(URL_, init("timed"));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const got = await reads(res);
    expect(got).toHaveLength(3);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(200);
  });

  test("an abort while the replay waits ends it as an abort would end a real fetch", async () => {
    const dir = await cassette([[init("aborted"), [streamed]]]);
    const replay = replayingFetch(loadCassettes(dir), dir, "real");
    const abort = new AbortController();
    const pending = replay(URL_, { ...init("aborted"), signal: abort.signal });
    abort.abort();
    expect((await pending.catch((e) => e)).name).toBe("AbortError");

    const again = new AbortController();
    const res = await replay(URL_, { ...init("aborted"), signal: again.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const next = reader.read();
    again.abort();
    expect((await next.catch((e) => e)).name).toBe("AbortError");
  });

  test("a 204 is answered without a body", async () => {
    const dir = await cassette([[init("empty"), [{ status: 204, headers: {}, headers_ms: 0, chunks: [] }]]]);
    const res = await replayingFetch(loadCassettes(dir), dir, "none")(URL_, init("empty"));
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  test("a request not recorded is refused with a 400 cassette_miss naming the nearest recording and what differs", async () => {
    const dir = await cassette([
      [init("hello there"), [whole("a")]],
      [init("something else entirely", { temperature: 1, top_p: 1 }), [whole("b")]],
    ]);
    const replay = replayingFetch(loadCassettes(dir), dir, "none");
    const miss = await replay(URL_, init("hello", { temperature: 0 })).catch((e) => e);
    expect(miss).toBeInstanceOf(UpstreamError);
    expect(miss.mapped.status).toBe(400);
    expect(miss.mapped.error.code).toBe("cassette_miss");
    expect(miss.mapped.error.type).toBe("invalid_request_error");
    expect(miss.mapped.error.message).toMatch(
      new RegExp(
        `^POST /v1/chat/completions with this request is not in the cassette ${dir}; the nearest recorded request \\([0-9a-f]{12}… in ${dir}\\) differs in messages\\[0\\]\\.content, temperature$`,
      ),
    );
    const elsewhere = await replay("http://h/v1/embeddings", init("hello")).catch((e) => e);
    expect(elsewhere.mapped.error.message).toBe(
      `POST /v1/embeddings with this request is not in the cassette ${dir}, nor any request to that path (2 recorded); record it with \`opentracy serve --record ${dir}\``,
    );
  });
});
