import { describe, expect, test } from "bun:test";
import { toFinishReason as anthropicFinish } from "../../src/providers/anthropic/finish-reason.ts";
import { toFinishReason as bedrockFinish } from "../../src/providers/bedrock/finish-reason.ts";
import { lookup } from "../../src/providers/lookup.ts";

describe("lookup", () => {
  test("own entries only: what every object inherits is not an entry", () => {
    const table = { low: 1, high: 2 };
    expect(lookup(table, "low")).toBe(1);
    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) expect(lookup(table, key)).toBeUndefined();
  });

  test("an upstream stop reason named like one maps to the default, not to a function", () => {
    expect(anthropicFinish("constructor")).toBe("stop");
    expect(bedrockFinish("toString")).toBe("stop");
  });
});
