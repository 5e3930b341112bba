import { afterAll } from "bun:test";
import { killLeftoverEngines } from "./helpers/engine.ts";

// Preloaded (bunfig.toml): runs once, after every test file.
afterAll(killLeftoverEngines);
