import { describe, expect, test } from "bun:test";
import { Call } from "../../src/server/call.ts";
import { RequestLog } from "../../src/server/request-log.ts";

const call = (requested = "openai/gpt-4o-mini") => {
  const c = new Call();
  c.requested = requested;
  return c;
};

/** A log whose clock the test sets, and the text it has written so far. */
function log(format: "text" | "json", linesPerSecond?: number) {
  let now = Date.parse("2026-12-05T10:00:00.000Z");
  let written = "";
  let wrote: () => void = () => {};
  const l = new RequestLog(
    format,
    (text) => {
      written += text;
      wrote();
    },
    1,
    linesPerSecond,
    () => now,
  );
  return {
    l,
    at: (iso: string) => void (now = Date.parse(iso)),
    lines: () => written.split("\n").filter(Boolean),
    /** Resolves on the next write. */
    nextWrite: () => new Promise<void>((resolve) => (wrote = resolve)),
  };
}

describe("request log", () => {
  test("a line per request while a second holds no more than the cap", () => {
    const { l, lines } = log("text", 3);
    for (let i = 0; i < 3; i++) l.add(call(), 200, null);
    l.flush();
    expect(lines()).toHaveLength(3);
    expect(lines()[0]).toMatch(/^2026-12-05T10:00:00\.000Z {2}openai\/gpt-4o-mini {2}200 {2}\$— {2}\d+ ms$/);
  });

  test("past the cap, the rest of the second is one summary line by status, written when the second ends", async () => {
    const { l, at, lines, nextWrite } = log("text", 3);
    at("2026-12-05T10:00:00.990Z");
    for (let i = 0; i < 3; i++) l.add(call(), 200, null);
    for (let i = 0; i < 4; i++) l.add(call(), 200, null);
    l.add(call(), 429, { type: "rate_limit_error", message: "slow down" });
    l.flush();
    expect(lines()).toHaveLength(3);
    // The second's summary comes from its own timer (10 ms from the test's clock), with no request after it.
    const summary = nextWrite();
    await summary;
    expect(lines()).toHaveLength(4);
    expect(lines()[3]).toBe("2026-12-05T10:00:00Z  … 5 more requests in this second: 4 × 200, 1 × 429 (each is in the traces)");
  });

  test("a new second starts a new allowance and sends the last one's summary first", () => {
    const { l, at, lines } = log("text", 2);
    for (let i = 0; i < 5; i++) l.add(call(), 200, null);
    at("2026-12-05T10:00:01.200Z");
    l.add(call("smart"), 200, null);
    l.flush();
    expect(lines().map((line) => line.split("  ")[1])).toEqual([
      "openai/gpt-4o-mini",
      "openai/gpt-4o-mini",
      "… 3 more requests in this second: 3 × 200 (each is in the traces)",
      "smart",
    ]);
    l.close();
  });

  test("close writes the summary of the second still running (shutdown)", () => {
    const { l, lines } = log("text", 1);
    for (let i = 0; i < 3; i++) l.add(call(), 503, { type: "api_error", message: "down" });
    l.close();
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toContain("2 more requests in this second: 2 × 503");
  });

  test("--log-format json keeps a line for every request: machines read it, not people", () => {
    const { l, lines } = log("json");
    for (let i = 0; i < 100; i++) l.add(call(), 200, null);
    l.close();
    expect(lines()).toHaveLength(100);
    for (const line of lines()) expect(JSON.parse(line)).toMatchObject({ requested_model: "openai/gpt-4o-mini", status: 200 });
  });
});
