#!/usr/bin/env bun
import { run } from "../src/cli/program.ts";

await run(process.argv);
