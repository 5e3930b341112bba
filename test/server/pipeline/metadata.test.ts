import { describe, expect, test } from "bun:test";
import { Call } from "../../../src/server/call.ts";
import { METADATA_LIMITS, parseTagHeader, readMetadataBody, readMetadataHeaders } from "../../../src/server/pipeline/metadata.ts";

describe("trace metadata", () => {
  test("the tag header: key=value pairs, trimmed; pairs without a key or '=' ignored; a later value wins", () => {
    expect(parseTagHeader(" env = prod ,feature=search,broken,=x, a=b=c,env=dev")).toEqual({ env: "dev", feature: "search", a: "b=c" });
    expect(parseTagHeader("")).toEqual({});
  });

  test("caps: long strings are cut, tags past the limit dropped", () => {
    const tags = parseTagHeader(Array.from({ length: 40 }, (_, i) => `${i}${"k".repeat(100)}=${"v".repeat(1000)}`).join(","));
    expect(Object.keys(tags)).toHaveLength(METADATA_LIMITS.tags);
    for (const [k, v] of Object.entries(tags)) {
      expect(k.length).toBeLessThanOrEqual(METADATA_LIMITS.tagKey);
      expect(v).toHaveLength(METADATA_LIMITS.tagValue);
    }
    const call = new Call();
    readMetadataHeaders(new Headers({ "x-opentracy-user": "u".repeat(300), "x-opentracy-session-id": "s".repeat(300) }), call);
    expect(call.user).toHaveLength(256);
    expect(call.sessionId).toHaveLength(256);
  });

  test("the body: its user wins over the header; metadata strings join the tags, other values are ignored", () => {
    const call = new Call();
    readMetadataHeaders(new Headers({ "x-opentracy-user": "carol", "x-opentracy-tags": "env=dev" }), call);
    readMetadataBody({ user: "bob", metadata: { team: "ml", n: 3, nested: { a: "b" } } }, call);
    expect(call.user).toBe("bob");
    expect(call.tags).toEqual({ env: "dev", team: "ml" });
    const plain = new Call();
    readMetadataBody({ user: 42, metadata: ["x"] }, plain);
    readMetadataBody(null, plain);
    expect([plain.user, plain.sessionId, plain.tags]).toEqual([null, null, {}]);
    expect(plain.toRecord(200, null)).toMatchObject({ user: null, session_id: null, tags: {} });
  });

  test("no metadata: the shared empty tags are never written into", () => {
    const a = new Call();
    const b = new Call();
    readMetadataBody({ metadata: { k: "v" } }, a);
    expect(a.tags).toEqual({ k: "v" });
    expect(b.tags).toEqual({});
  });
});

describe("tag names every object has", () => {
  test("constructor and toString are ordinary tags; __proto__ is ignored and never changes the object", () => {
    const tags = parseTagHeader("constructor=a,toString=b,__proto__=c");
    expect(tags).toEqual({ constructor: "a", toString: "b" });
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
  });
});
