import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFileAtomic, writeFileAtomic, writeFileAtomicAsync } from "../../src/fs/write-atomic.ts";

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

  test("a rename that fails leaves no temp file", () => {
    const d = dir();
    // A folder that is not empty cannot be replaced by a file.
    mkdirSync(join(d, "taken", "inside"), { recursive: true });
    expect(() => writeFileAtomic(join(d, "taken"), "x", 0o600)).toThrow();
    expect(readdirSync(d)).toEqual(["taken"]);
  });
});

describe("openFileAtomic", () => {
  test("its temp file is hidden beside the target until commit; abort removes it", () => {
    const d = dir();
    const kept = openFileAtomic(join(d, "out.jsonl"), 0o600);
    kept.write("a\n");
    const [temp] = readdirSync(d);
    expect(temp).toMatch(new RegExp(`^\\.out\\.jsonl\\.${process.pid}\\..+\\.tmp$`));
    kept.commit();
    expect(readdirSync(d)).toEqual(["out.jsonl"]);
    const dropped = openFileAtomic(join(d, "out.jsonl"), 0o600);
    dropped.write("b\n");
    dropped.abort();
    expect(readdirSync(d)).toEqual(["out.jsonl"]);
    expect(readFileSync(join(d, "out.jsonl"), "utf8")).toBe("a\n");
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

  test("a rename that fails rejects and leaves no temp file", async () => {
    const d = dir();
    mkdirSync(join(d, "taken", "inside"), { recursive: true });
    await expect(writeFileAtomicAsync(join(d, "taken"), "x", 0o600)).rejects.toThrow();
    expect(readdirSync(d)).toEqual(["taken"]);
  });
});
