import { describe, expect, test } from "bun:test";
import { Selection } from "../../../src/cli/replay/select.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { makeTrace } from "../../helpers/trace-factory.ts";

const chat = (id: string) => makeTrace({ id, request_params: {} });
const store = (records: TraceRecord[]) => {
  const byId = new Map(records.map((r) => [r.id, r]));
  const loaded: string[] = [];
  return { loaded, load: async (id: string) => (loaded.push(id), byId.get(id) ?? null) };
};

describe("Selection", () => {
  test("reads each record only when asked for the next trace", async () => {
    const s = store(["a", "b", "c"].map(chat));
    const selection = new Selection(["a", "b", "c"], new Set(), Number.POSITIVE_INFINITY, s.load);
    expect(selection.plan()).toEqual({ send: 3, alreadyReplayed: 0 });
    expect(s.loaded).toEqual([]);
    expect((await selection.next())?.record.id).toBe("a");
    expect(s.loaded).toEqual(["a"]);
  });

  test("a sample is the first N in its order that can replay or were replayed, whatever the concurrency", async () => {
    const records = [
      chat("a"),
      chat("b"),
      makeTrace({ id: "c", request: null, response: null }),
      makeTrace({ id: "d", api: "embeddings", request: ["x"] }),
      chat("e"),
      chat("f"),
    ];
    const s = store(records);
    // b was replayed by this run: it counts towards the sample of 3 and is not sent.
    const selection = new Selection(["a", "b", "c", "d", "e", "f"], new Set(["b"]), 3, s.load);
    expect(selection.plan()).toEqual({ send: 2, alreadyReplayed: 1 });
    // Three senders asking at once: c and d cannot replay, so e takes their place, and f is never read.
    const got = await Promise.all([selection.next(), selection.next(), selection.next()]);
    const sent = got.filter((q) => q !== null).map((q) => [q!.index, q!.record.id]);
    expect(sent.sort()).toEqual([
      [0, "a"],
      [4, "e"],
    ]);
    expect(await selection.next()).toBeNull();
    expect(s.loaded).not.toContain("f");
    expect(selection.counts).toEqual({ considered: 5, alreadyReplayed: 1, withoutContent: 1, notChat: 1, replayed: 2 });
  });
});
