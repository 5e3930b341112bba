import { describe, expect, test } from "bun:test";
import { progressBar } from "../../src/cli/progress.ts";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

describe("progressBar", () => {
  test("on a terminal: one line drawn in place, at most every 100 ms, cleared at the end", () => {
    const { writes, out } = stream(true);
    const bar = progressBar(4, "answered", out);
    bar.update(2, 1);
    expect(writes).toEqual([`\r\x1b[K[${"#".repeat(12)}${"-".repeat(12)}] 50%  1 answered`]);
    bar.update(3, 2); // within 100 ms of the last drawing: skipped
    expect(writes).toHaveLength(1);
    bar.end();
    expect(writes.at(-1)).toBe("\r\x1b[K");
    expect(writes.every((w) => !w.includes("\n"))).toBe(true);
  });

  test("an unknown total shows the count alone", () => {
    const { writes, out } = stream(true);
    progressBar(null, "traces", out).update(0, 7);
    expect(writes).toEqual(["\r\x1b[K7 traces"]);
  });

  test("piped: writes nothing", () => {
    const { writes, out } = stream(false);
    const bar = progressBar(4, "answered", out);
    bar.update(1, 1);
    bar.end();
    expect(writes).toEqual([]);
  });
});
