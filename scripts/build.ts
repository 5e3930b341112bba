#!/usr/bin/env bun
/**
 * `npm run build`: dist/opentracy for this machine. `--all`: also the cross-built binaries
 * (dist/opentracy-<os>-<arch>[.exe]); bun fetches each target's runtime from the npm registry.
 * `--outfile PATH` builds only this machine's binary to PATH (used by the binary smoke test).
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(ROOT, "bin/opentracy.ts");
export const CROSS: Record<string, string> = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-arm64": "bun-darwin-arm64",
  "darwin-x64": "bun-darwin-x64",
  "windows-x64": "bun-windows-x64",
};

// ink imports react-devtools-core only when DEV=true; it is not installed, so it stays out of the
// bundle, and --splitting keeps that import lazy (without it bun hoists it and every command fails).
export const COMPILE_FLAGS = ["--minify", "--splitting", "--external", "react-devtools-core"];

export async function compile(outfile: string, target?: string): Promise<void> {
  mkdirSync(dirname(outfile), { recursive: true });
  const args = [process.execPath, "build", "--compile", ...COMPILE_FLAGS, ...(target ? [`--target=${target}`] : []), ENTRY, "--outfile", outfile];
  const proc = Bun.spawn(args, { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) throw new Error(`bun build failed for ${target ?? "this machine"}`);
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf("--outfile");
  if (outIdx >= 0) {
    await compile(resolve(argv[outIdx + 1]));
  } else {
    await compile(join(ROOT, "dist/opentracy"));
    if (argv.includes("--all")) {
      for (const [name, target] of Object.entries(CROSS)) {
        await compile(join(ROOT, `dist/opentracy-${name}${name.startsWith("windows") ? ".exe" : ""}`), target);
      }
    }
  }
}
