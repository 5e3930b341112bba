#!/usr/bin/env bun
import { raiseFetchLimit } from "../src/cli/fetch-limit.ts";

// `serve` replaces itself once with Bun's fetch cap raised (fetch-limit.ts); doing it before the
// program and its dependencies load means start-up pays for loading them once, not twice.
if (process.argv.slice(2).find((a) => !a.startsWith("-")) === "serve") raiseFetchLimit();
const { run } = await import("../src/cli/program.ts");
await run(process.argv);
