import { describe, expect, test } from "bun:test";
import { progressBar } from "../../../src/cli/replay/progress.ts";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

describe("progressBar", () => {
  test("on a terminal: one line redrawn in place as calls end, with the errors, cleared at the end", () => {
    const { writes, out } = stream(true);
    const bar = progressBar(4, out);
    bar.tick(true);
    bar.tick(false);
    expect(writes.at(-1)).toBe(`\r\x1b[2K[${"#".repeat(15)}${".".repeat(15)}] 2/4  1 error`);
    bar.tick(true);
    bar.tick(true);
    expect(writes.at(-1)).toBe(`\r\x1b[2K[${"#".repeat(30)}] 4/4  1 error`);
    bar.done();
    expect(writes.at(-1)).toBe("\r\x1b[2K");
    expect(writes.every((w) => !w.includes("\n"))).toBe(true);
  });

  test("piped: writes nothing", () => {
    const { writes, out } = stream(false);
    const bar = progressBar(4, out);
    bar.tick(true);
    bar.done();
    expect(writes).toEqual([]);
  });
});
