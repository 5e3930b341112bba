#!/usr/bin/env bun
import { applyServeRuntime } from "../src/cli/serve-runtime.ts";

// `serve` replaces itself once with Bun's fetch cap raised and its heap hint set (serve-runtime.ts);
// doing it before the program and its dependencies load means start-up pays for loading them once, not twice.
if (process.argv.slice(2).find((a) => !a.startsWith("-")) === "serve") applyServeRuntime();
const { run } = await import("../src/cli/program.ts");
await run(process.argv);
