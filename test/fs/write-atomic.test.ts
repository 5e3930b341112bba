import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic, writeFileAtomicAsync } from "../../src/fs/write-atomic.ts";

const dir = () => mkdtempSync(join(tmpdir(), "ot-atomic-"));

describe("writeFileAtomic", () => {
  test("replaces the whole file with the given mode and leaves no temp file", () => {
    const d = dir();
    const path = join(d, "secrets.json");
    writeFileSync(path, "old and longer than the new text", { mode: 0o644 });
    writeFileAtomic(path, "new", 0o600);
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(["secrets.json"]);
  });

  test("writers never share a temp file: many writes in a row each land whole", () => {
    const d = dir();
    const path = join(d, "ack");
    for (let i = 0; i < 50; i++) writeFileAtomic(path, `${i} ${"x".repeat(i)}`, 0o600);
    expect(readFileSync(path, "utf8")).toBe(`49 ${"x".repeat(49)}`);
    expect(readdirSync(d)).toEqual(["ack"]);
  });

  test("a write into a folder that does not exist throws", () => {
    const path = join(dir(), "missing-folder", "x.json");
    expect(() => writeFileAtomic(path, "x", 0o600)).toThrow();
  });
});

describe("writeFileAtomicAsync", () => {
  test("replaces the whole file with the given mode, leaves no temp file, and concurrent writes each land whole", async () => {
    const d = dir();
    const path = join(d, "c.json");
    writeFileSync(path, "old and longer than the new text", { mode: 0o600 });
    await writeFileAtomicAsync(path, "new", 0o644);
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(statSync(path).mode & 0o777).toBe(0o644);
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomicAsync(path, `${i} ${"x".repeat(i)}`, 0o644)));
    const [n, xs] = readFileSync(path, "utf8").split(" ");
    expect(xs).toBe("x".repeat(Number(n)));
    expect(readdirSync(d)).toEqual(["c.json"]);
  });

  test("a write into a folder that does not exist rejects", async () => {
    await expect(writeFileAtomicAsync(join(dir(), "missing-folder", "x.json"), "x", 0o600)).rejects.toThrow();
  });
});
