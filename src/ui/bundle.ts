import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The front end as the engine serves it: file name → text, and which file is the script and which the style. */
export interface UiBundle {
  files: Record<string, string>;
  script: string;
  style: string | null;
}

/**
 * Runs as a Bun macro (assets.ts), so the front end is bundled when the engine's code is: at
 * `bun build --compile` time for the executable (the result is inlined into it, no files beside
 * it) and at first import under `bun bin/opentracy.ts`. Bun.build cannot be called from inside a
 * macro (the bundler would wait on itself), hence the CLI in a child process.
 */
export async function bundleUi(): Promise<UiBundle> {
  const out = mkdtempSync(join(tmpdir(), "opentracy-ui-"));
  try {
    const proc = Bun.spawn(
      [
        process.execPath,
        "build",
        join(import.meta.dir, "app/main.tsx"),
        "--target=browser",
        "--minify",
        "--outdir",
        out,
        // Hashed names let the engine mark assets immutable: a new build is a new URL.
        "--entry-naming=[name]-[hash].[ext]",
        "--asset-naming=[name]-[hash].[ext]",
      ],
      { stdout: "pipe", stderr: "pipe", env: { ...process.env, NODE_ENV: "production" } },
    );
    if ((await proc.exited) !== 0) throw new Error(`bundling the UI failed:\n${await new Response(proc.stderr).text()}`);
    const files: Record<string, string> = {};
    for (const name of readdirSync(out)) files[name] = readFileSync(join(out, name), "utf8");
    const names = Object.keys(files);
    const script = names.find((n) => n.endsWith(".js"));
    if (!script) throw new Error("bundling the UI produced no script");
    return { files, script, style: names.find((n) => n.endsWith(".css")) ?? null };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
