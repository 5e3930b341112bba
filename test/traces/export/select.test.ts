import { describe, expect, test } from "bun:test";
import { parseInstant, selects } from "../../../src/traces/export/select.ts";
import { makeTrace } from "../../helpers/trace-factory.ts";

const NOW = Date.parse("2025-03-10T12:00:00.000Z");

describe("parseInstant", () => {
  test("durations back from now", () => {
    expect(parseInstant("30m", NOW)).toBe(NOW - 30 * 60_000);
    expect(parseInstant("12h", NOW)).toBe(NOW - 12 * 3_600_000);
    expect(parseInstant("7d", NOW)).toBe(Date.parse("2025-03-03T12:00:00.000Z"));
    expect(parseInstant("2w", NOW)).toBe(Date.parse("2025-02-24T12:00:00.000Z"));
  });

  test("dates and times, UTC unless they say otherwise", () => {
    expect(parseInstant("2025-03-01", NOW)).toBe(Date.parse("2025-03-01T00:00:00Z"));
    expect(parseInstant("2025-03-01T12:30:00", NOW)).toBe(Date.parse("2025-03-01T12:30:00Z"));
    expect(parseInstant("2025-03-01T12:30:00+02:00", NOW)).toBe(Date.parse("2025-03-01T10:30:00Z"));
  });

  test("anything else is refused", () => {
    for (const bad of ["7x", "d", "-1d", "yesterday", "2025-13-45", ""]) expect(parseInstant(bad, NOW)).toBeNull();
  });
});

describe("selects", () => {
  const r = makeTrace({
    ts_start: "2025-03-05T10:00:00.000Z",
    alias: "smart",
    provider: "anthropic",
    api: "messages",
    tags: { run: "exec-1", team: "ml" },
  });

  test("each criterion, alone", () => {
    expect(selects(r, {})).toBe(true);
    expect(selects(r, { sinceMs: Date.parse("2025-03-05T10:00:00Z") })).toBe(true);
    expect(selects(r, { sinceMs: Date.parse("2025-03-05T10:00:00.001Z") })).toBe(false);
    expect(selects(r, { untilMs: Date.parse("2025-03-05T10:00:00Z") })).toBe(false);
    expect(selects(r, { untilMs: Date.parse("2025-03-05T10:00:00.001Z") })).toBe(true);
    expect(selects(r, { alias: "smart" })).toBe(true);
    expect(selects(r, { alias: "cheap" })).toBe(false);
    expect(selects(r, { provider: "openai" })).toBe(false);
    expect(selects(r, { api: "messages" })).toBe(true);
    expect(selects(r, { api: "chat" })).toBe(false);
    expect(selects(r, { status: "error" })).toBe(false);
    expect(selects(r, { model: "smart" })).toBe(true);
  });

  test("every tag must be carried", () => {
    expect(selects(r, { tags: [{ key: "run", value: "exec-1" }] })).toBe(true);
    expect(
      selects(r, {
        tags: [
          { key: "run", value: "exec-1" },
          { key: "team", value: "ml" },
        ],
      }),
    ).toBe(true);
    expect(
      selects(r, {
        tags: [
          { key: "run", value: "exec-1" },
          { key: "team", value: "web" },
        ],
      }),
    ).toBe(false);
  });
});
