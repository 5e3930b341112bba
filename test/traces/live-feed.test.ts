import { describe, expect, test } from "bun:test";
import { liveTraces } from "../../src/server/api/live.ts";
import { LiveFeed, summaryOf } from "../../src/traces/live-feed.ts";
import type { TraceRecord } from "../../src/traces/record.ts";
import { makeTrace } from "../helpers/trace-factory.ts";

// Content a summary row must never carry.
const record = (over: Partial<TraceRecord> = {}): TraceRecord =>
  makeTrace({ request: [{ role: "user", content: "secret prompt" }], response: { role: "assistant", content: "secret answer" }, ...over });

describe("LiveFeed", () => {
  test("with nobody listening, publish builds nothing (a getter on the record would notice)", () => {
    const feed = new LiveFeed();
    let touched = 0;
    const r = record();
    Object.defineProperty(r, "id", { get: () => (touched++, "t1") });
    feed.publish(r);
    expect(touched).toBe(0);
  });

  test("listeners get the summary row (no content), serialised once; a throwing one harms no other", () => {
    const feed = new LiveFeed();
    const got: string[] = [];
    feed.subscribe(() => {
      throw new Error("closed");
    });
    const off = feed.subscribe((row, json) => got.push(json) && expect(JSON.parse(json)).toEqual(row));
    const r = record();
    feed.publish(r);
    expect(got).toHaveLength(1);
    expect(got[0]).not.toContain("secret");
    expect(JSON.parse(got[0]!)).toEqual(summaryOf(r));
    off();
    expect(feed.listening).toBe(1);
  });
});

describe("liveTraces (the stream)", () => {
  async function read(reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> }, until: (text: string) => boolean): Promise<string> {
    let text = "";
    const dec = new TextDecoder();
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    return text;
  }

  test("events filtered by token, pings on the interval, and the listener gone when the client leaves", async () => {
    const feed = new LiveFeed();
    const ctl = new AbortController();
    const req = new Request("http://x/api/traces/live", { signal: ctl.signal });
    const res = liveTraces(req, feed, { name: "bot", admin: false } as any, undefined, 20);
    const reader = res.body!.getReader();
    expect(await read(reader, (t) => t.includes(": live"))).toContain(": live\n\n");
    expect(feed.listening).toBe(1);
    feed.publish(record({ id: "other", token_name: "someone-else" }));
    feed.publish(record({ id: "mine", token_name: "bot" }));
    const text = await read(reader, (t) => t.includes("data:") && t.includes(": ping"));
    expect(text).toContain('"id":"mine"');
    expect(text).not.toContain('"id":"other"');
    ctl.abort();
    expect(feed.listening).toBe(0);
  });

  test("a cancelled stream unsubscribes too", async () => {
    const feed = new LiveFeed();
    const res = liveTraces(new Request("http://x/api/traces/live"), feed, null);
    await res.body!.cancel();
    expect(feed.listening).toBe(0);
  });
});
