import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

// The layers of docs/ARCHITECTURE.md, lowest first: a module may import from its own layer and the ones before it.
const LAYERS: string[][] = [
  ["errors", "openai", "version"],
  ["fs", "http"],
  ["providers"],
  ["traces"],
  ["cassettes"],
  ["auth", "config", "settings"],
  ["pricing", "budgets"],
  ["routing"],
  ["telemetry"],
  ["ui"],
  ["dialects"],
  ["server"],
  ["cli"],
];

const SRC = join(import.meta.dir, "..", "src");
const layerOf = (folder: string) => LAYERS.findIndex((l) => l.includes(folder));

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

describe("architecture", () => {
  test("every folder of src/ has a layer, and imports never point up", () => {
    const upward: string[] = [];
    let imports = 0;
    for (const file of sourceFiles(SRC)) {
      const from = relative(SRC, file)
        .split("/")[0]!
        .replace(/\.tsx?$/, "");
      expect(layerOf(from)).toBeGreaterThanOrEqual(0);
      for (const m of readFileSync(file, "utf8").matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
        const target = relative(SRC, normalize(join(dirname(file), m[1]!)));
        if (target.startsWith("..")) continue; // package.json, for the version
        const to = target.split("/")[0]!.replace(/\.tsx?$/, "");
        imports++;
        if (layerOf(to) > layerOf(from)) upward.push(`${relative(SRC, file)} → ${target}`);
      }
    }
    expect(imports).toBeGreaterThan(300);
    expect(upward).toEqual([]);
  });

  test("no tracked text file holds a merge's conflict markers", () => {
    const root = join(SRC, "..");
    const files = Bun.spawnSync(["git", "ls-files", "*.ts", "*.tsx", "*.md", "*.json", "*.css", "*.yaml"], { cwd: root })
      .stdout.toString()
      .split("\n")
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const marked = files.filter((f) => /^(<{7}|>{7}) /m.test(readFileSync(join(root, f), "utf8")));
    expect(marked).toEqual([]);
  });
});
