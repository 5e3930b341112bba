import { describe, expect, test } from "bun:test";
import { cacheControlOf, contentParts, systemTextPieces } from "../../src/openai/content.ts";
import { ApiError, toWire } from "../../src/errors/vocabulary.ts";

const cc = { type: "ephemeral", ttl: "1h" };

describe("content parts", () => {
  test("a part's cache_control is kept, as given; a part without one has none", () => {
    const parts = contentParts(
      [
        { type: "text", text: "a", cache_control: cc },
        { type: "text", text: "b" },
      ],
      "messages[0].content",
      "x",
    );
    expect(parts).toEqual([
      { type: "text", text: "a", cacheControl: cc },
      { type: "text", text: "b" },
    ]);
  });

  test("a cache_control that is not an object with a type is a 400 naming where it is", () => {
    for (const bad of ["ephemeral", [], { ttl: "5m" }]) {
      let err: unknown;
      try {
        cacheControlOf({ cache_control: bad }, "tools[2]");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect(toWire(err as ApiError).error.param).toBe("tools[2].cache_control");
    }
    expect(cacheControlOf({ cache_control: null }, "x")).toBeUndefined();
  });

  test("system text: joined without breakpoints, one piece per part with one; blank pieces dropped", () => {
    expect(
      systemTextPieces(
        [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
        "p",
        "x",
      ),
    ).toEqual([{ text: "ab" }]);
    expect(systemTextPieces("  ", "p", "x")).toEqual([]);
    expect(
      systemTextPieces(
        [
          { type: "text", text: "a" },
          { type: "text", text: " " },
          { type: "text", text: "b", cache_control: cc },
        ],
        "p",
        "x",
      ),
    ).toEqual([{ text: "a" }, { text: "b", cacheControl: cc }]);
  });
});
